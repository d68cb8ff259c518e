#!/usr/bin/env node
// `pnpm bench latency [--batches 1,32] [--samples 30] [--threads 1] [--json]`
// Policy latency of the default pipeline (ViT + BERT + state MLP + cross-attention + GRU, the
// `vla demo` sizes) exported to ONNX: onnxruntime-node vs tfjs-wasm vs PyTorch eager (the same
// ONNX graph executed op by op with torch functions: bench/latency_torch.py). Model forward only,
// same inputs, one thread each; medians of `samples` runs after warm-up. When the default stage
// plugins are not built yet, a stand-in pipeline of core's test stages is used and labelled so.
// Uses the built packages (pnpm install builds them). Target: onnxruntime <= 0.5x PyTorch eager at batch 1.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchArgs } from './lib/bench-args.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const {
  batches,
  samples,
  threads,
  json: jsonOutput,
} = benchArgs(
  'latency',
  {
    batches: { type: 'ints', default: '1,32' },
    samples: { type: 'int', default: 30 },
    threads: { type: 'int', default: 1 },
    json: { type: 'boolean' },
  },
  '[--batches 1,32] [--samples 30] [--threads 1] [--json]',
);
const log = (m) => process.stderr.write(`${m}\n`);

const req = createRequire(join(root, 'packages/export-onnx/package.json'));
const load = (name) => import(pathToFileURL(req.resolve(name)).href);
const tf = await load('@tensorflow/tfjs');
await load('@tensorflow/tfjs-backend-wasm');
const pkg = (name) => import(pathToFileURL(join(root, 'packages', name, 'dist/index.js')).href);
const core = await pkg('core');
const { exportPipeline, makeSampleFeeds } = await pkg('export-onnx');
const ort = await import(pathToFileURL(req.resolve('onnxruntime-node')).href);

// ---- the pipeline: the `vla demo` experiment's, else a labelled stand-in ----
const DEFAULT_PIPELINE = {
  stages: {
    vision: {
      plugin: 'vit',
      options: { imageSize: 64, patchSize: 8, dim: 64, depth: 2, heads: 4, mlpDim: 128 },
    },
    language: { plugin: 'bert', options: {} },
    state: { plugin: 'state-mlp', options: { dim: 64 } },
    fusion: { plugin: 'cross-attention', options: { dim: 64, heads: 4 } },
    decoder: { plugin: 'gru', options: { chunk: 8, hidden: 128 } },
  },
};
const STAND_IN = {
  stages: {
    vision: { plugin: 'test-vision', options: { imageSize: 64, patchSize: 8, dim: 64 } },
    language: { plugin: 'test-language', options: { maxLength: 16, dim: 64, vocabSize: 64 } },
    state: { plugin: 'test-state', options: { dim: 64 } },
    fusion: { plugin: 'test-fusion', options: { dim: 64 } },
    decoder: { plugin: 'test-decoder', options: { chunk: 8 } },
  },
};
const container = core.createVlakitContainer({ logger: core.memoryLogger() });
let spec = DEFAULT_PIPELINE;
let label = 'default (vit + bert + state-mlp + cross-attention + gru, vla demo sizes)';
try {
  for (const p of ['encoder-vit', 'encoder-bert', 'encoder-state', 'fusion-attention', 'decoder-gru']) {
    const file = join(root, 'packages', p, 'dist/index.js');
    const mod = existsSync(file) ? await import(pathToFileURL(file).href) : {};
    if (!mod.containerModule) throw new Error(`@vlakit/${p} is not built with a containerModule`);
    container.load(mod.containerModule);
  }
} catch (error) {
  log(`default pipeline unavailable (${error.message}); using a stand-in of core's test stages`);
  const testing = await import(pathToFileURL(join(root, 'packages/core/dist/testing/index.js')).href);
  container.load(testing.testStagesModule);
  spec = STAND_IN;
  label = 'stand-in (core test stages at vla demo sizes; the default plugins were not built)';
}
await tf.setBackend('wasm');
await tf.ready();
const pipeline = core.buildPipeline(spec, core.StageRegistry.fromContainer(container), { seed: 0 });
pipeline.build();
const actionDim = 2;
const dir = mkdtempSync(join(tmpdir(), 'vlakit-latency-'));
log(`exporting ${label} (${pipeline.parameterCount()} parameters)`);
const exported = await exportPipeline(pipeline, {
  outDir: join(dir, 'policy'),
  normalization: {
    action: { mean: Array(actionDim).fill(0), std: Array(actionDim).fill(1) },
    state: { mean: [0, 0], std: [1, 1] },
  },
});

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
async function timeRuns(fn, n) {
  const t = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  return t;
}

const session = await ort.InferenceSession.create(exported.modelPath, {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
});
const feedsDir = join(dir, 'feeds');
mkdirSync(feedsDir);
const manifest = {};
const save = (key, data, dtype, shape) => {
  writeFileSync(join(feedsDir, `${key}.bin`), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  manifest[key] = { file: `${key}.bin`, dtype: dtype === 'int32' ? '<i4' : '<f4', shape };
};
const cases = [];
for (const b of batches) {
  const feeds = makeSampleFeeds(pipeline, b);
  const ortFeeds = {};
  for (const [name, t] of Object.entries(feeds)) {
    const data = t.dataSync();
    ortFeeds[name] = new ort.Tensor(t.dtype === 'int32' ? 'int32' : 'float32', data, t.shape);
    save(`b${b}_${name}`, data, t.dtype, t.shape);
  }
  const out = await session.run(ortFeeds);
  for (const [name, t] of Object.entries(out)) save(`b${b}_out_${name}`, t.data, 'float32', t.dims);
  const tfRun = () => {
    const o = pipeline.forward(feeds);
    for (const t of Object.values(o)) t.dataSync();
    tf.dispose(o);
  };
  for (let i = 0; i < 3; i++) {
    await session.run(ortFeeds);
    tfRun();
  }
  cases.push({
    b,
    feeds,
    ort: () => session.run(ortFeeds),
    tf: tfRun,
    times: { ort: [], tf: [], torch: [] },
  });
}
writeFileSync(join(feedsDir, 'manifest.json'), JSON.stringify(manifest));

// ---- PyTorch eager peer: a child process that times runs on request ----
const py = '/usr/bin/python3';
let torch = null;
let child = null;
let lines = null;
if (existsSync(py)) {
  child = spawn(
    py,
    [
      join(root, 'bench/latency_torch.py'),
      exported.modelPath,
      feedsDir,
      '--batches',
      batches.join(','),
      '--threads',
      String(threads),
    ],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let errText = '';
  child.stderr.on('data', (d) => {
    errText += d;
  });
  lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) {
    log(
      `PyTorch eager peer skipped: ${errText.trim().split('\n').at(-1)} (apt-get install python3-torch python3-onnx)`,
    );
    child = null;
  } else torch = JSON.parse(first.value);
} else log('PyTorch eager peer skipped: no /usr/bin/python3');
const torchRuns = async (b, n) => {
  child.stdin.write(`${b} ${n}\n`);
  return JSON.parse((await lines.next()).value).ms;
};

// ---- interleaved rounds, so load on the machine slows every runtime alike ----
const ROUNDS = Math.max(1, Math.ceil(samples / 5));
const per = Math.ceil(samples / ROUNDS);
for (let round = 0; round < ROUNDS; round++) {
  for (const c of cases) {
    c.times.ort.push(...(await timeRuns(c.ort, per)));
    c.times.tf.push(...(await timeRuns(c.tf, Math.max(1, Math.ceil(per / (c.b > 8 ? 4 : 1))))));
    if (child) c.times.torch.push(...(await torchRuns(c.b, per)));
  }
}
child?.stdin.end();
const rows = cases.map((c) => {
  tf.dispose(Object.values(c.feeds));
  const ortMs = median(c.times.ort);
  const torchMs = c.times.torch.length ? median(c.times.torch) : null;
  return {
    batch: c.b,
    onnxruntime_ms: ortMs,
    tfjs_wasm_ms: median(c.times.tf),
    pytorch_eager_ms: torchMs,
    pytorch_vs_ort_max_abs_diff: torch ? torch.max_abs_diff_vs_ort[String(c.b)] : null,
    ort_over_pytorch: torchMs ? ortMs / torchMs : null,
  };
});
for (const row of rows)
  if (row.pytorch_vs_ort_max_abs_diff !== null && row.pytorch_vs_ort_max_abs_diff > 1e-4)
    log(
      `warning: the PyTorch peer differs from onnxruntime by ${row.pytorch_vs_ort_max_abs_diff} at batch ${row.batch}: its timing is not comparable`,
    );
const result = {
  benchmark: 'latency',
  pipeline: label,
  parameters: pipeline.parameterCount(),
  onnx_nodes: exported.nodeCount,
  parity_max_abs_diff: exported.parityMaxAbsDiff,
  threads,
  samples,
  torch: torch ? torch.torch : null,
  rows,
  target_batch1_ort_over_pytorch_le: 0.5,
};
if (jsonOutput) console.log(JSON.stringify(result));
else {
  console.log(`policy latency, ${label}; ${threads} thread(s), median of ${samples}`);
  console.log('batch  onnxruntime  tfjs-wasm  pytorch-eager  ort/pytorch');
  for (const x of rows)
    console.log(
      `${String(x.batch).padStart(5)}  ${x.onnxruntime_ms.toFixed(3).padStart(8)} ms  ${x.tfjs_wasm_ms.toFixed(2).padStart(6)} ms  ${x.pytorch_eager_ms === null ? '     n/a' : `${x.pytorch_eager_ms.toFixed(3).padStart(8)} ms`}  ${x.ort_over_pytorch === null ? 'n/a' : x.ort_over_pytorch.toFixed(3)}`,
    );
}
pipeline.dispose();
await session.release();
