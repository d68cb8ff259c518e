#!/usr/bin/env node
// `pnpm bench stages [--backend cpu|wasm|both] [--batch 32] [--samples 9] [--json]`
// Times the fusion, decoder and state-encoder stages at their default sizes (64x64 frames:
// 64 vision tokens of width 64, 16 instruction tokens of width 64): inference forward, and a
// training step (forward + gradients of every variable). Medians of interleaved samples.
// Uses the built packages (pnpm install builds them). Peer: bench/stages_torch.py.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'both' },
    batch: { type: 'string', default: '32' },
    samples: { type: 'string', default: '9' },
    json: { type: 'boolean', default: false },
  },
});
const backends = args.backend === 'both' ? ['cpu', 'wasm'] : [args.backend];
for (const b of backends) {
  if (!['cpu', 'wasm'].includes(b)) {
    console.error(`--backend must be cpu, wasm or both, got "${args.backend}"`);
    process.exit(2);
  }
}
const batch = Number(args.batch);
const samples = Number(args.samples);
if (!Number.isInteger(batch) || batch < 1 || !Number.isInteger(samples) || samples < 1) {
  console.error(`--batch and --samples must be positive integers, got ${args.batch} and ${args.samples}`);
  process.exit(2);
}

// tfjs and the wasm backend resolve from a package that depends on them (one shared copy)
const req = createRequire(join(root, 'packages/decoder-gru/package.json'));
const load = (name) => import(pathToFileURL(req.resolve(name)).href);
const tf = await load('@tensorflow/tfjs');
await load('@tensorflow/tfjs-backend-wasm');
const pkg = (name) => import(pathToFileURL(join(root, 'packages', name, 'dist/index.js')).href);
const [attention, concat, gru, mlp, state] = await Promise.all(
  ['fusion-attention', 'fusion-concat', 'decoder-gru', 'decoder-mlp', 'encoder-state'].map(pkg),
);
const { memoryLogger, port } = await pkg('core');

const N = 64; // 64x64 frame, 8x8 patches
const L = 16; // instruction tokens
const WIDTH = 64; // encoder widths
const upstreamFusion = {
  vision: port('tokens', ['B', N, WIDTH]),
  language: port('tokens', ['B', L, WIDTH]),
  languageMask: port('mask', ['B', L]),
};
const logger = memoryLogger();
const cases = [
  {
    name: 'cross-attention (dim 64, 4 heads, language queries)',
    plugin: new attention.CrossAttentionPlugin(logger),
    upstream: upstreamFusion,
  },
  {
    name: 'cross-attention + state token',
    plugin: new attention.CrossAttentionPlugin(logger),
    upstream: { ...upstreamFusion, state: port('tokens', ['B', 1, WIDTH]) },
  },
  { name: 'concat (dim 128)', plugin: new concat.ConcatFusionPlugin(logger), upstream: upstreamFusion },
  {
    name: 'gru (hidden 128, chunk 8)',
    plugin: new gru.GruDecoderPlugin(logger),
    upstream: { fused: port('fused', ['B', 64]) },
  },
  {
    name: 'mlp (hidden [128, 128], chunk 8)',
    plugin: new mlp.MlpDecoderPlugin(logger),
    upstream: { fused: port('fused', ['B', 64]) },
  },
  { name: 'state-mlp (2 -> [64] -> 64)', plugin: new state.StateMlpPlugin(logger), upstream: {} },
];

function feedsFor(stage) {
  return tf.tidy(() => {
    const out = {};
    for (const p of stage.inputs) {
      const shape = p.shape.map((d, i) => (i === 0 ? batch : typeof d === 'number' ? d : d === 'N' ? N : L));
      out[p.name] = p.name.includes('Mask')
        ? tf.tensor2d(
            Array.from({ length: batch * L }, (_, i) => (i % L < 4 + (Math.floor(i / L) % 12) ? 1 : 0)),
            [batch, L],
          )
        : tf.randomUniform(shape, -1, 1, 'float32', 1);
    }
    return out;
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

const results = [];
for (const backend of backends) {
  await tf.setBackend(backend);
  await tf.ready();
  const runs = cases.map((c) => {
    const stage = c.plugin.create({}, { name: 'stage', seed: 1, upstream: c.upstream });
    stage.build();
    const feeds = feedsFor(stage);
    const vars = [...stage.variables().values()];
    const forward = () => {
      const out = stage.forward(feeds);
      for (const t of Object.values(out)) t.dataSync();
      tf.dispose(out);
    };
    const train = () => {
      const { value, grads } = tf.variableGrads(
        () =>
          tf.tidy(() => {
            const out = stage.forward(feeds, { training: true });
            return tf.addN(Object.values(out).map((t) => tf.mean(tf.square(t))));
          }),
        vars,
      );
      for (const g of Object.values(grads)) g.dataSync();
      tf.dispose([value, Object.values(grads)]);
    };
    forward(); // warm-up
    train();
    return { c, stage, feeds, forward, train, fwd: [], step: [] };
  });
  for (let s = 0; s < samples; s++) {
    for (const r of runs) {
      let t0 = performance.now();
      r.forward();
      r.fwd.push(performance.now() - t0);
      t0 = performance.now();
      r.train();
      r.step.push(performance.now() - t0);
    }
  }
  for (const r of runs) {
    results.push({
      backend,
      stage: r.c.name,
      batch,
      params: r.stage.variables().size && [...r.stage.variables().values()].reduce((n, v) => n + v.size, 0),
      forward_ms: Number(median(r.fwd).toFixed(2)),
      train_step_ms: Number(median(r.step).toFixed(2)),
    });
    tf.dispose(r.feeds);
    r.stage.dispose();
  }
}

if (!args.json) {
  console.log(`stage timings, batch ${batch}, median of ${samples} (ms)`);
  for (const r of results) {
    console.log(
      `${r.backend.padEnd(5)} ${r.stage.padEnd(52)} params ${String(r.params).padStart(7)}  forward ${String(r.forward_ms).padStart(8)}  train step ${String(r.train_step_ms).padStart(8)}`,
    );
  }
}
console.log(JSON.stringify({ benchmark: 'stages', batch, samples, results }));
