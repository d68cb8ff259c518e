#!/usr/bin/env node
// `pnpm bench datasets [--frames N] [--size S] [--json]`: writes a simulator-layout LeRobot v3.0
// dataset (PNG frames in a struct column), then times openLeRobotDataset (read + decode every
// frame once) and training batch assembly (B=64, T=8) with and without augmentation.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchArgs } from './lib/bench-args.mjs';

const pkg = new URL('../packages/datasets/', import.meta.url);
const req = createRequire(new URL('package.json', pkg));
const load = async (name) => import(pathToFileURL(req.resolve(name)).href);
const { encode: encodePng } = await load('fast-png');
const { parquetWriteBuffer } = await load('hyparquet-writer');
const ds = await import(new URL('dist/index.js', pkg).href);

const { frames, size, json } = benchArgs(
  'datasets',
  {
    frames: { type: 'int', default: 3000, min: 64 },
    size: { type: 'int', default: 64, min: 8 },
    json: { type: 'boolean' },
  },
  '[--frames N] [--size S] [--json]',
);
const epLen = 50;

const dir = mkdtempSync(join(tmpdir(), 'vlakit-bench-datasets-'));
try {
  const rows = [];
  for (let f = 0; f < frames; f++) {
    const px = new Uint8Array(size * size * 3);
    for (let i = 0; i < px.length; i++) px[i] = (i * 31 + f * 7) & 255 & (i % 5 === 0 ? 255 : 192);
    rows.push({
      img: encodePng({ width: size, height: size, data: px, channels: 3 }),
      ep: Math.floor(f / epLen),
      t: f % epLen,
    });
  }
  const nEp = Math.ceil(frames / epLen);
  const list = (name) => [
    { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', type: 'FLOAT', repetition_type: 'OPTIONAL' },
  ];
  const buf = parquetWriteBuffer({
    columnData: [
      { name: 'observation.image', data: rows.map((r) => ({ bytes: r.img, path: null })) },
      { name: 'observation.state', data: rows.map((r) => [r.t / epLen, r.ep / nEp]) },
      { name: 'action', data: rows.map((r) => [Math.sin(r.t), Math.cos(r.t)]) },
      { name: 'next.done', data: rows.map((r) => r.t === epLen - 1) },
      { name: 'frame_index', data: rows.map((r) => BigInt(r.t)) },
      { name: 'episode_index', data: rows.map((r) => BigInt(r.ep)) },
      { name: 'task_index', data: rows.map(() => 0n) },
    ],
    schema: [
      { name: 'root', num_children: 7 },
      { name: 'observation.image', repetition_type: 'OPTIONAL', num_children: 2 },
      { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
      { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      ...list('observation.state'),
      ...list('action'),
      { name: 'next.done', type: 'BOOLEAN', repetition_type: 'OPTIONAL' },
      { name: 'frame_index', type: 'INT64', repetition_type: 'OPTIONAL' },
      { name: 'episode_index', type: 'INT64', repetition_type: 'OPTIONAL' },
      { name: 'task_index', type: 'INT64', repetition_type: 'OPTIONAL' },
    ],
  });
  mkdirSync(join(dir, 'data', 'chunk-000'), { recursive: true });
  writeFileSync(join(dir, 'data', 'chunk-000', 'file-000.parquet'), new Uint8Array(buf));
  mkdirSync(join(dir, 'meta', 'episodes', 'chunk-000'), { recursive: true });
  const eps = Array.from({ length: nEp }, (_, e) => e);
  writeFileSync(
    join(dir, 'meta', 'episodes', 'chunk-000', 'file-000.parquet'),
    new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'episode_index', data: eps.map(BigInt), type: 'INT64' },
          {
            name: 'length',
            data: eps.map((e) => BigInt(Math.min(epLen, frames - e * epLen))),
            type: 'INT64',
          },
          { name: 'tasks', data: eps.map(() => 'push the red block left'), type: 'STRING' },
        ],
      }),
    ),
  );
  const feat = (dtype, shape) => ({ dtype, shape, names: null });
  writeFileSync(
    join(dir, 'meta', 'info.json'),
    JSON.stringify({
      codebase_version: 'v3.0',
      fps: 10,
      total_episodes: nEp,
      total_frames: frames,
      data_path: 'data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet',
      features: {
        'observation.image': feat('image', [size, size, 3]),
        'observation.state': feat('float32', [2]),
        action: feat('float32', [2]),
        'next.done': feat('bool', [1]),
        frame_index: feat('int64', [1]),
        episode_index: feat('int64', [1]),
        task_index: feat('int64', [1]),
      },
    }),
  );

  const t0 = performance.now();
  let readMs = 0;
  const data = await ds.prepareTrainingData(ds.parseDataConfig({ dir, chunkLength: 8 }), 0, {
    onProgress: (e) => {
      if (e.stage === 'read') readMs = performance.now() - t0;
    },
  });
  const openMs = performance.now() - t0;
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  // wall-clock median and CPU time per batch (CPU time is less inflated on a shared machine)
  const time = (iter, n = 200) => {
    const out = iter.assembler.allocate(64);
    for (let i = 0; i < 10; i++) iter.next(out);
    const ts = [];
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const s = performance.now();
      iter.next(out);
      ts.push(performance.now() - s);
    }
    const cpu = process.cpuUsage(cpu0);
    return { wall: median(ts), cpu: (cpu.user + cpu.system) / 1000 / n };
  };
  const plain = time(new ds.TrainBatchIterator(data.assembler, data.split.train, { batchSize: 64, seed: 0 }));
  const augmented = time(data.trainIterator(64));
  const result = {
    frames,
    size,
    open_and_decode_ms: Math.round(openMs),
    parquet_read_ms: Math.round(readMs),
    frames_per_s: Math.round(frames / (openMs / 1000)),
    batch64_ms_median: Number(plain.wall.toFixed(2)),
    batch64_cpu_ms: Number(plain.cpu.toFixed(2)),
    batch64_augmented_ms_median: Number(augmented.wall.toFixed(2)),
    batch64_augmented_cpu_ms: Number(augmented.cpu.toFixed(2)),
    load_average_1min: Number(os.loadavg()[0].toFixed(1)),
    cpus: os.cpus().length,
  };
  // the peer: the same batches with vectorised NumPy (skipped when python3/numpy are absent)
  const peerRun = spawnSync(
    'python3',
    [new URL('datasets-peer.py', import.meta.url).pathname, String(frames)],
    {
      encoding: 'utf8',
    },
  );
  const peer = peerRun.status === 0 ? JSON.parse(peerRun.stdout) : undefined;
  if (peer) result.peer_numpy = peer;
  if (json) console.log(JSON.stringify(result));
  else {
    console.log(
      `datasets: ${frames} frames ${size}x${size}: open + decode ${result.open_and_decode_ms} ms (parquet read ${result.parquet_read_ms} ms, ${result.frames_per_s} frames/s)`,
    );
    console.log(
      `datasets: batch B=64 T=8: ${result.batch64_ms_median} ms median (${result.batch64_cpu_ms} ms CPU), augmented ${result.batch64_augmented_ms_median} ms (${result.batch64_augmented_cpu_ms} ms CPU); load ${result.load_average_1min} on ${result.cpus} CPUs`,
    );
    console.log(
      peer
        ? `peer numpy ${peer.numpy}: batch ${peer.batch64_ms_median} ms median, augmented ${peer.batch64_augmented_ms_median} ms`
        : 'peer numpy: skipped (python3 with numpy not found)',
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
