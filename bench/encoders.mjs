#!/usr/bin/env node
// `pnpm bench encoders [--backend wasm|cpu] [--batch 32] [--steps 7] [--no-torch] [--json]`:
// median time of one training step (forward + backward + Adam) of the default `vit` (64x64 image)
// and `bert` (16 tokens) stages, side by side with the same architectures in torch
// (bench/encoders_torch.py, Debian python3-torch, 2 threads). Uses the built packages.
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchArgs } from './lib/bench-args.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = benchArgs(
  'encoders',
  {
    backend: { type: 'choice', default: 'wasm', choices: ['wasm', 'cpu'] },
    batch: { type: 'int', default: 32 },
    steps: { type: 'int', default: 7, min: 3 },
    'no-torch': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  '[--backend wasm|cpu] [--batch 32] [--steps 7] [--no-torch] [--json]',
);
const { backend, batch, steps, json } = args;

const vitDir = join(here, '..', 'packages', 'encoder-vit');
const bertDir = join(here, '..', 'packages', 'encoder-bert');
const req = createRequire(join(vitDir, 'package.json'));
const tf = await import(pathToFileURL(req.resolve('@tensorflow/tfjs')).href);
await import(pathToFileURL(req.resolve('@tensorflow/tfjs-backend-wasm')).href);
const { VitEncoderPlugin } = await import(pathToFileURL(join(vitDir, 'dist', 'index.js')).href);
const { BertEncoderPlugin } = await import(pathToFileURL(join(bertDir, 'dist', 'index.js')).href);
await tf.setBackend(backend);
await tf.ready();

// stock tfjs-wasm has no UnsortedSegmentSum (gather's gradient); @vlakit/backend registers one.
if (backend === 'wasm' && !tf.getKernel('UnsortedSegmentSum', 'wasm')) {
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend: b, attrs }) => {
      const values = b.readSync(inputs.x.dataId);
      const ids = b.readSync(inputs.segmentIds.dataId);
      const inner = values.length / ids.length;
      const out = new Float32Array(attrs.numSegments * inner);
      for (let i = 0; i < ids.length; i++)
        for (let j = 0; j < inner; j++) out[ids[i] * inner + j] += values[i * inner + j];
      const shape = [attrs.numSegments, ...inputs.x.shape.slice(inputs.segmentIds.shape.length)];
      return { dataId: b.write(out, shape, 'float32'), shape, dtype: 'float32' };
    },
  });
}

const logger = { info() {}, warn() {}, error() {}, debug() {} };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timeSteps(stage, feeds, output) {
  const vars = [...stage.variables().values()];
  const optimizer = tf.train.adam(1e-4);
  const loss = () => tf.tidy(() => tf.mean(tf.square(stage.forward(feeds, { training: true })[output])));
  const times = [];
  for (let i = 0; i <= steps; i++) {
    const t0 = performance.now();
    const l = optimizer.minimize(loss, true, vars);
    l.dataSync();
    l.dispose();
    if (i > 0) times.push(performance.now() - t0); // the first step warms up
  }
  optimizer.dispose();
  return median(times);
}

const ctx = { name: 'bench', seed: 0, upstream: {} };
const vit = new VitEncoderPlugin(logger).create({}, ctx);
vit.build();
const image = tf.randomUniform([batch, 64, 64, 3], 0, 1, 'float32', 1);
const vitMs = timeSteps(vit, { image }, 'tokens');

const bert = new BertEncoderPlugin(logger).create({}, ctx);
bert.build();
const texts = Array.from(
  { length: batch },
  (_, i) => `push the ${['red', 'blue', 'green', 'yellow'][i % 4]} star to the top left corner`,
);
const enc = bert.tokenizer.encode(texts);
const feeds = {
  tokenIds: tf.tensor2d(enc.ids, [batch, enc.length], 'int32'),
  mask: tf.tensor2d(enc.mask, [batch, enc.length]),
};
const bertMs = timeSteps(bert, feeds, 'tokens');

let torch = null;
if (!args['no-torch']) {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync('/usr/bin/python3', [join(here, 'encoders_torch.py'), String(batch), String(steps)], {
    env,
    encoding: 'utf8',
  });
  torch =
    r.status === 0
      ? JSON.parse(r.stdout.trim().split('\n').pop())
      : { error: r.stderr.trim().split('\n').pop() };
}

const result = {
  benchmark: 'encoders',
  backend,
  batch,
  steps,
  vit_default_train_step_ms: Number(vitMs.toFixed(1)),
  bert_default_train_step_ms: Number(bertMs.toFixed(1)),
  torch,
};
if (json) console.log(JSON.stringify(result));
else {
  console.log(`train step (fwd + bwd + Adam), batch ${batch}, median of ${steps}, tfjs ${backend} vs torch`);
  console.log(
    `  vit  default (64x64, patch 8, dim 64, depth 2): ${vitMs.toFixed(1)} ms  | torch ${torch ? (torch.vit_ms ?? torch.error) : '-'} ms`,
  );
  console.log(
    `  bert default (L 16, dim 64, depth 2):           ${bertMs.toFixed(1)} ms  | torch ${torch ? (torch.bert_ms ?? torch.error) : '-'} ms`,
  );
}
