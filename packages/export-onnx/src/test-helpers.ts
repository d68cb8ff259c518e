import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createVlakitContainer, memoryLogger, StageRegistry } from '@vlakit/core';
import { testStagesModule } from '@vlakit/core/testing';
import type { ContainerModule } from 'inversify';
import { traceToOnnx } from './export-graph.js';
import type { TraceableModel } from './kernel-trace.js';
import { serializeModel } from './onnx-builder.js';
import { loadOrt } from './ort-parity.js';

export function registryWith(...modules: ContainerModule[]): StageRegistry {
  const container = createVlakitContainer({ logger: memoryLogger() });
  container.load(testStagesModule, ...modules);
  return StageRegistry.fromContainer(container);
}

const created: string[] = [];
process.on('exit', () => {
  for (const d of created) rmSync(d, { recursive: true, force: true });
});

/** A temporary folder, removed when the test process exits. */
export const tempDir = (prefix = 'vlakit-onnx-') => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  created.push(d);
  return d;
};

const PY = '/usr/bin/python3';
let pythonOnnx: boolean | undefined;

/** Whether Debian's python3-onnx is installed (`apt-get install python3-onnx`). */
export function hasPythonOnnx(): boolean {
  if (pythonOnnx === undefined)
    pythonOnnx = existsSync(PY) && spawnSync(PY, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0;
  return pythonOnnx;
}

/** onnx.checker.check_model(full_check=True) via /usr/bin/python3; returns stderr on failure. */
export function pythonCheckModel(path: string): { ok: boolean; message: string } {
  const r = spawnSync(
    PY,
    [
      '-c',
      'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True); print("ok")',
      path,
    ],
    { encoding: 'utf8' },
  );
  return { ok: r.status === 0, message: `${r.stdout}${r.stderr}`.trim() };
}

export interface FnInput {
  readonly name: string;
  /** Shape without the batch axis. */
  readonly shape: readonly number[];
  readonly dtype?: 'float32' | 'int32' | 'bool';
  /** Values from `gen(i)` instead of uniform in [-1, 1]. */
  readonly gen?: (i: number) => number;
}

/** A traceable model from a plain tfjs function of batched inputs (plus optional variables). */
export function fnModel(
  inputs: readonly FnInput[],
  fn: (x: Record<string, tf.Tensor>, vars: ReadonlyMap<string, tf.Variable>) => tf.Tensor | tf.Tensor[],
  variables: ReadonlyMap<string, tf.Variable> = new Map(),
): TraceableModel & { feeds(batch: number, seed?: number): Record<string, tf.Tensor> } {
  return {
    inputs: inputs.map((i) => ({ name: i.name, dtype: i.dtype ?? 'float32', shape: ['B', ...i.shape] })),
    stages: new Map(),
    variables: () => variables,
    forward: (feeds) => {
      const y = fn(feeds as Record<string, tf.Tensor>, variables);
      const list = Array.isArray(y) ? y : [y];
      return Object.fromEntries(list.map((t, k) => [`y${k}`, t]));
    },
    feeds: (batch, seed = 1) => {
      let s = (seed * 7919 + batch) >>> 0;
      const next = () => {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        return s / 4294967296;
      };
      return Object.fromEntries(
        inputs.map((i) => {
          const shape = [batch, ...i.shape];
          const size = shape.reduce((a, b) => a * b, 1);
          const dtype = i.dtype ?? 'float32';
          const values = Array.from({ length: size }, (_, k) => (i.gen ? i.gen(k) : next() * 2 - 1));
          return [i.name, tf.tensor(values, shape, dtype)];
        }),
      );
    },
  };
}

/**
 * Exports `model` to ONNX, runs it in onnxruntime at each batch size, and returns the max abs
 * difference to tfjs over every output (plus the kernels the trace saw).
 */
export async function onnxVsTfjs(
  model: ReturnType<typeof fnModel>,
  batches: readonly number[] = [1, 4],
): Promise<{ maxAbsDiff: number; kernels: string[]; nodes: string[]; modelPath: string }> {
  const graph = traceToOnnx(model, (b) => model.feeds(b));
  const { model: proto } = graph.builder.build({ graphName: 'test', producerVersion: 'test' });
  const dir = tempDir();
  const modelPath = join(dir, 'model.onnx');
  writeFileSync(modelPath, serializeModel(proto));
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(modelPath);
  let maxAbsDiff = 0;
  for (const b of batches) {
    const feeds = model.feeds(b, 3);
    const ortFeeds = Object.fromEntries(
      Object.entries(feeds).map(([n, t]) => [
        n,
        t.dtype === 'bool'
          ? new ort.Tensor('bool', Uint8Array.from(t.dataSync()), [...t.shape])
          : new ort.Tensor(t.dtype as 'float32' | 'int32', t.dataSync() as Float32Array | Int32Array, [
              ...t.shape,
            ]),
      ]),
    );
    const got = await session.run(ortFeeds);
    const want = model.forward(feeds);
    for (const [n, t] of Object.entries(want)) {
      const o = got[n]!;
      if (o.dims.join(',') !== t.shape.join(','))
        throw new Error(`output ${n}: ONNX shape [${o.dims}] vs tfjs [${t.shape}]`);
      const x = t.dataSync();
      const y = o.data as ArrayLike<number | boolean>;
      for (let i = 0; i < x.length; i++) {
        const e = Math.abs(Number(x[i]) - Number(y[i]));
        maxAbsDiff = Math.max(maxAbsDiff, Number.isNaN(e) ? Number.POSITIVE_INFINITY : e);
      }
    }
    tf.dispose([feeds, want]);
  }
  await session.release();
  const kernels = [...new Set(Object.values(graph.kernelCounts).flatMap((k) => Object.keys(k)))];
  return { maxAbsDiff, kernels, nodes: proto.graph!.node.map((n) => n.opType), modelPath };
}

/** Checks many models with one python process; returns the failures (path: message). */
export function pythonCheckModels(paths: readonly string[]): string[] {
  const script = [
    'import onnx, sys',
    'bad = []',
    'for p in sys.argv[1:]:',
    '    try:',
    '        onnx.checker.check_model(onnx.load(p), full_check=True)',
    '    except Exception as e:',
    '        bad.append(p + ": " + str(e).splitlines()[0])',
    'print("\\n".join(bad))',
  ].join('\n');
  const r = spawnSync(PY, ['-c', script, ...paths], { encoding: 'utf8' });
  if (r.status !== 0) return [`python failed: ${r.stderr}`];
  return r.stdout.split('\n').filter((l) => l.trim().length > 0);
}
