#!/usr/bin/env node
// `pnpm bench train [--json] [--samples N] [--warmup N] [--models block,pipeline] [--backend wasm|cpu]
//                   [--stock] [--no-native] [--no-fused] [--no-torch] [--torch-threads 2] [--stand-in]`
// Times one training step (forward + backward + AdamW) of (a) the default pipeline and (b) a standard
// transformer block (B32 T64 D128, 4 heads, MLP 512, pre-LN, erf GELU) in vlakit and in the PyTorch
// reference (bench/torch_reference.py, same architecture, sizes and optimizer), interleaved sample by
// sample in one run. Reports medians: ms/step, samples/s, GFLOP/s (matmul FLOPs counted from the
// shapes, x3 for forward + backward), the ratio vlakit/torch and the share of the fp32 peak measured
// in the same run (numpy/OpenBLAS matmul on all cores). `--json`: the last line is
// {"pipeline": {"vlakit_ms", "torch_ms", "ratio", ...}, "block": {...}, "peak_gflops": p}.
// The pipeline is the default `vla demo` pipeline built from the stage packages (torch peer: the
// stage packages' torch mirrors, built from the stages' resolved configs sent with `setup`, so a
// keypoint vit is mirrored too; the log and the JSON's `vision` say which vision stage ran);
// without those packages, or with --stand-in, a stand-in built from plain tfjs ops with the old
// demo's patch shapes (ViT 64x64 patch 8 dim 64 depth 2 + small BERT + cross-attention + GRU
// chunk 8), the same in torch.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchArgs, benchFail } from './lib/bench-args.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const backendPkg = join(root, 'packages', 'backend');
const requireBackend = createRequire(join(backendPkg, 'package.json'));
// The same @tensorflow/tfjs copy @vlakit/backend uses (two copies break backend registration).
const tf = await import(pathToFileURL(requireBackend.resolve('@tensorflow/tfjs')).href);
const {
  AdamW,
  initBackend,
  gelu: fusedGelu,
  layerNorm: fusedLayerNorm,
} = await import(pathToFileURL(join(backendPkg, 'dist', 'index.js')).href);
// core's dense and attention: one fused kernel each way when @vlakit/backend registered them, else tfjs ops
const {
  dense: coreDense,
  scaledDotProductAttention,
  FUSED_KERNELS,
} = await import(pathToFileURL(requireBackend.resolve('@vlakit/core')).href);

// ---------------------------------------------------------------------------------------------
// options
const args = benchArgs(
  'train',
  {
    json: { type: 'boolean' },
    samples: { type: 'int', default: 9 },
    warmup: { type: 'int', default: 3, min: 0 },
    models: { type: 'string', default: 'pipeline,block' },
    backend: { type: 'choice', default: 'wasm', choices: ['wasm', 'cpu', 'auto', 'tensorflow'] },
    stock: { type: 'boolean' },
    'no-native': { type: 'boolean' },
    'no-fused': { type: 'boolean' },
    'no-torch': { type: 'boolean' },
    'torch-threads': { type: 'int', default: 2, max: 64 },
    'stand-in': { type: 'boolean' },
  },
  `[--json] [--samples 9] [--warmup 3] [--models pipeline,block]
       [--backend wasm|cpu|auto|tensorflow] [--stock] [--no-native] [--no-fused] [--no-torch] [--torch-threads 2] [--stand-in]`,
);
const { json, samples, warmup } = args;
const modelNames = args.models.split(',');
const fail = (message) => benchFail('train', message);
for (const m of modelNames)
  if (m !== 'pipeline' && m !== 'block') fail(`--models: "${m}" is not pipeline or block`);
const backendName = args.backend;

// ---------------------------------------------------------------------------------------------
// configs (the torch reference receives the same objects)
// The default pipeline of `vla demo` is packages/trainer's DEMO_EXPERIMENT.pipeline: used as
// "pipeline" when the trainer and stage packages are built; otherwise "pipeline" is the plain-tfjs
// stand-in below.
const STAGE_PACKAGES = ['encoder-vit', 'encoder-bert', 'encoder-state', 'fusion-attention', 'decoder-gru'];

const CONFIGS = {
  block: { batch: 32, seq: 64, dim: 128, heads: 4, mlp: 512, lr: 1e-3, weightDecay: 0.01 },
  pipeline: {
    batch: 32,
    imageSize: 64,
    patch: 8,
    patches: 64,
    dim: 64,
    heads: 4,
    mlp: 128,
    visionDepth: 2,
    vocab: 1000,
    textLength: 16,
    languageDepth: 2,
    chunk: 8,
    actionDim: 2,
    lr: 1e-3,
    weightDecay: 0.01,
  },
};

// ---------------------------------------------------------------------------------------------
// tfjs models (the same architecture as bench/torch_reference.py)
const matmul = (a, b, ta = false, tb = false) => tf.matMul(a, b, ta, tb);
let seed = 1;
const param = (shape, scale) =>
  tf.variable(tf.randomNormal(shape, 0, scale ?? 1 / Math.sqrt(shape[0]), 'float32', seed++));
function linear(din, dout) {
  const w = param([din, dout]);
  const b = tf.variable(tf.zeros([dout]));
  if (fused) return (x) => coreDense(x, { kernel: w, bias: b }); // (..., dout)
  return (x) => {
    const flat = x.reshape([-1, din]); // (rows, din)
    return matmul(flat, w)
      .add(b)
      .reshape([...x.shape.slice(0, -1), dout]); // (..., dout)
  };
}
const fused = !args['no-fused'] && !args.stock; // --stock: plain tfjs ops throughout
function layerNorm(d, eps = 1e-5) {
  const g = tf.variable(tf.ones([d]));
  const b = tf.variable(tf.zeros([d]));
  if (fused) return (x) => fusedLayerNorm(x, g, b, eps);
  return (x) => {
    const { mean, variance } = tf.moments(x, -1, true); // (..., 1)
    return x
      .sub(mean)
      .mul(tf.rsqrt(variance.add(eps)))
      .mul(g)
      .add(b);
  };
}
const gelu = (x) => (fused ? fusedGelu(x) : x.mul(0.5).mul(tf.erf(x.mul(Math.SQRT1_2)).add(1))); // erf GELU
function attention(d, heads) {
  const q = linear(d, d),
    k = linear(d, d),
    v = linear(d, d),
    o = linear(d, d);
  const hd = d / heads;
  return (x, kv, keyMask) => {
    const [b, t] = x.shape;
    const s = kv.shape[1];
    if (fused) return o(scaledDotProductAttention(q(x), k(kv), v(kv), heads, { keyMask }).context); // (B, T, D)
    const split = (y, len) => y.reshape([b, len, heads, hd]).transpose([0, 2, 1, 3]); // (B, H, len, hd)
    const qh = split(q(x), t),
      kh = split(k(kv), s),
      vh = split(v(kv), s);
    let att = matmul(qh, kh, false, true).mul(1 / Math.sqrt(hd)); // (B, H, T, S)
    if (keyMask) att = att.add(tf.scalar(1).sub(keyMask).mul(-1e9).reshape([b, 1, 1, s]));
    att = tf.softmax(att, -1);
    const y = matmul(att, vh).transpose([0, 2, 1, 3]).reshape([b, t, d]); // (B, T, D)
    return o(y);
  };
}
function block(d, heads, mlp) {
  const ln1 = layerNorm(d),
    attn = attention(d, heads),
    ln2 = layerNorm(d);
  const fc1 = linear(d, mlp),
    fc2 = linear(mlp, d);
  return (x, keyMask) => {
    const h = ln1(x);
    const x1 = x.add(attn(h, h, keyMask));
    return x1.add(fc2(gelu(fc1(ln2(x1)))));
  };
}

function buildBlock(c) {
  const blk = block(c.dim, c.heads, c.mlp);
  const batch = {
    x: tf.randomNormal([c.batch, c.seq, c.dim], 0, 1, 'float32', 101),
    target: tf.randomNormal([c.batch, c.seq, c.dim], 0, 1, 'float32', 102),
  };
  return { loss: () => blk(batch.x).sub(batch.target).square().mean() };
}

function buildPipeline(c) {
  const d = c.dim,
    p = c.patch,
    g = c.imageSize / p;
  const patch = linear(p * p * 3, d),
    vpos = param([c.patches, d], 0.02);
  const vblocks = Array.from({ length: c.visionDepth }, () => block(d, c.heads, c.mlp));
  const vln = layerNorm(d);
  const emb = param([c.vocab, d], 1),
    lpos = param([c.textLength, d], 0.02),
    lln0 = layerNorm(d);
  const lblocks = Array.from({ length: c.languageDepth }, () => block(d, c.heads, c.mlp));
  const lln = layerNorm(d),
    fq = layerNorm(d),
    fkv = layerNorm(d),
    xattn = attention(d, c.heads);
  const fln = layerNorm(d),
    ff1 = linear(d, c.mlp),
    ff2 = linear(c.mlp, d);
  const h0 = linear(d, d),
    gi = linear(d, 3 * d),
    gh = linear(d, 3 * d);
  const act = linear(d, c.actionDim),
    done = linear(d, 1);
  const b = c.batch;
  const lengths = Array.from({ length: b }, (_, i) => 4 + ((i * 7) % (c.textLength - 3)));
  const maskValues = new Float32Array(b * c.textLength).map((_, i) =>
    i % c.textLength < lengths[Math.floor(i / c.textLength)] ? 1 : 0,
  );
  const batch = {
    image: tf.randomUniform([b, c.imageSize, c.imageSize, 3], 0, 1, 'float32', 103),
    ids: tf.randomUniform([b, c.textLength], 0, c.vocab, 'int32', 104),
    mask: tf.tensor2d(maskValues, [b, c.textLength]),
    actions: tf.randomNormal([b, c.chunk, c.actionDim], 0, 0.5, 'float32', 105),
    done: tf.randomUniform([b, 1], 0, 1, 'float32', 106).less(0.2).toFloat(),
  };
  const loss = () => {
    const x = batch.image
      .reshape([b, g, p, g, p, 3])
      .transpose([0, 1, 3, 2, 4, 5])
      .reshape([b, g * g, p * p * 3]); // (B, N, P)
    let v = patch(x).add(vpos); // (B, N, D)
    for (const blk of vblocks) v = blk(v);
    v = vln(v);
    let t = lln0(tf.gather(emb, batch.ids).add(lpos)); // (B, L, D)
    for (const blk of lblocks) t = blk(t, batch.mask);
    t = lln(t);
    let f = t.add(xattn(fq(t), fkv(v))); // (B, L, D)
    f = f.add(ff2(gelu(ff1(fln(f)))));
    const m = batch.mask.expandDims(2); // (B, L, 1)
    const fused = f.mul(m).sum(1).div(batch.mask.sum(1, true)); // (B, D)
    let h = tf.tanh(h0(fused)); // (B, D)
    const outs = [];
    for (let s = 0; s < c.chunk; s++) {
      const [xr, xz, xn] = tf.split(gi(fused), 3, 1); // (B, D) each
      const [hr, hz, hn] = tf.split(gh(h), 3, 1);
      const r = tf.sigmoid(xr.add(hr));
      const z = tf.sigmoid(xz.add(hz));
      const n = tf.tanh(xn.add(r.mul(hn)));
      h = tf.scalar(1).sub(z).mul(n).add(z.mul(h)); // (B, D)
      outs.push(act(h)); // (B, A)
    }
    const actions = tf.stack(outs, 1); // (B, T, A)
    const logit = done(h); // (B, 1)
    const bce = tf.losses.sigmoidCrossEntropy(batch.done, logit);
    return actions.sub(batch.actions).square().mean().add(bce);
  };
  return { loss };
}

/**
 * The real default pipeline from the stage packages (built with core's buildPipeline), or null when
 * they are not built. Loss as the trainer defines it: MSE(actions) + 0.1 * BCE(done logit).
 */
async function buildRealPipeline(c) {
  const dist = (name) => join(root, 'packages', name, 'dist', 'index.js');
  if (![...STAGE_PACKAGES, 'core', 'trainer'].every((n) => existsSync(dist(n)))) return null;
  await import('reflect-metadata');
  const core = await import(pathToFileURL(dist('core')).href);
  const modules = await Promise.all(STAGE_PACKAGES.map((n) => import(pathToFileURL(dist(n)).href)));
  const container = core.createVlakitContainer({ logger: core.memoryLogger() });
  container.load(...modules.map((m) => m.containerModule));
  // the trainer's own definition, so the bench follows the demo
  const spec = (await import(pathToFileURL(dist('trainer')).href)).DEMO_EXPERIMENT.pipeline;
  const pipeline = core.buildPipeline(spec, core.StageRegistry.fromContainer(container), { seed: 0 });
  const b = c.batch;
  const lengths = Array.from({ length: b }, (_, i) => 4 + ((i * 7) % (c.textLength - 3)));
  const feeds = {
    image: tf.randomUniform([b, c.imageSize, c.imageSize, 3], 0, 1, 'float32', 103),
    tokenIds: tf.tensor2d(
      Array.from({ length: b * c.textLength }, (_, i) =>
        i % c.textLength < lengths[Math.floor(i / c.textLength)] ? 1 + ((i * 13) % 97) : 0,
      ),
      [b, c.textLength],
      'int32',
    ),
    mask: tf.tensor2d(
      Array.from({ length: b * c.textLength }, (_, i) =>
        i % c.textLength < lengths[Math.floor(i / c.textLength)] ? 1 : 0,
      ),
      [b, c.textLength],
    ),
    state: tf.randomUniform([b, 2], -1, 1, 'float32', 107),
  };
  const targets = {
    actions: tf.randomNormal([b, c.chunk, c.actionDim], 0, 0.5, 'float32', 105),
    done: tf.randomUniform([b, 1], 0, 1, 'float32', 106).less(0.2).toFloat(),
  };
  const names = pipeline.inputs.map((i) => i.name);
  for (const n of names)
    if (!(n in feeds)) throw new Error(`the default pipeline wants an input "${n}" the bench does not make`);
  const loss = () => {
    const out = pipeline.forward(Object.fromEntries(names.map((n) => [n, feeds[n]])), { training: true });
    const action = tf.losses.meanSquaredError(targets.actions, out.actions);
    return action.add(tf.losses.sigmoidCrossEntropy(targets.done, out.done).mul(0.1));
  };
  const params = [...pipeline.trainableVariables().values()].reduce((n, v) => n + v.size, 0);
  // each stage's plugin and resolved config, keyed by kind: the torch peer is built from these
  const kinds = {
    VisionEncoder: 'vision',
    LanguageEncoder: 'language',
    StateEncoder: 'state',
    Fusion: 'fusion',
    ActionDecoder: 'decoder',
  };
  const stages = Object.fromEntries(
    [...pipeline.stages.values()].map((s) => [
      kinds[s.kind] ?? s.name,
      { plugin: s.pluginId, config: s.config },
    ]),
  );
  return { loss, vars: [...pipeline.trainableVariables().values()], params, real: true, stages };
}

/** The vision stage in words, for the log and the JSON (which vit the pipeline bench times). */
function describeVision(stage) {
  if (!stage) return 'vit (stand-in: 64 patches of 8x8)';
  if (stage.plugin !== 'vit') return stage.plugin;
  const v = stage.config;
  const n = (v.imageSize / v.patchSize) ** 2;
  const patches = `${n} patches of ${v.patchSize}x${v.patchSize}`;
  const arch = `dim ${v.dim}, depth ${v.depth}, ${v.heads} heads, MLP ${v.mlpDim}`;
  if (!(v.keypoints > 0)) return `vit ${v.imageSize}x${v.imageSize}, ${patches}, ${arch}`;
  const s = v.keypointStride;
  const kp = `${v.keypoints} keypoints (soft-argmax over ${s}x${s}-pixel cells, hidden ${v.keypointHidden}, ${v.keypointFrequencies} octaves)`;
  const tokens = v.patchTokens ? `class + ${patches} + ${kp}` : `class + ${kp}, no patch tokens`;
  return `vit ${v.imageSize}x${v.imageSize}, ${tokens}, ${arch}`;
}

/**
 * Matmul FLOPs of one call of `f`, counted from the shapes BatchMatMul sees (forward only). The
 * fused kernels (dense, attention, GRU sequence, ...) hide their products from BatchMatMul, so they
 * are unregistered for the count: core's layers then take their composed paths, which do the same
 * products through BatchMatMul.
 */
function countMatmulFlops(f) {
  const backend = tf.getBackend();
  const fusedKernels = Object.values(FUSED_KERNELS)
    .map((name) => tf.getKernel(name, backend))
    .filter((k) => k !== undefined);
  for (const k of fusedKernels) tf.unregisterKernel(k.kernelName, backend);
  try {
    return countBatchMatMulFlops(f);
  } finally {
    for (const k of fusedKernels) tf.registerKernel(k);
  }
}

function countBatchMatMulFlops(f) {
  const kernel = tf.getKernel('BatchMatMul', tf.getBackend());
  let total = 0;
  tf.unregisterKernel('BatchMatMul', tf.getBackend());
  tf.registerKernel({
    ...kernel,
    kernelFunc: (args) => {
      const { a, b } = args.inputs;
      const { transposeA: ta, transposeB: tb } = args.attrs;
      const m = ta ? a.shape.at(-1) : a.shape.at(-2);
      const k = ta ? a.shape.at(-2) : a.shape.at(-1);
      const n = tb ? b.shape.at(-2) : b.shape.at(-1);
      const batch = Math.max(
        a.shape.slice(0, -2).reduce((x, y) => x * y, 1),
        b.shape.slice(0, -2).reduce((x, y) => x * y, 1),
      );
      total += 2 * batch * m * n * k;
      return kernel.kernelFunc(args);
    },
  });
  try {
    tf.tidy(f);
  } finally {
    tf.unregisterKernel('BatchMatMul', tf.getBackend());
    tf.registerKernel(kernel);
  }
  return total;
}

/** AdamW from @vlakit/backend (torch.optim.AdamW semantics; one fused kernel per parameter on wasm). */
function trainer(model, c) {
  const optimizer = new AdamW({ learningRate: c.lr, weightDecay: c.weightDecay, fused });
  return () => {
    const cost = optimizer.minimize(model.loss, true, model.vars);
    const loss = cost.dataSync()[0];
    cost.dispose();
    return loss;
  };
}

// ---------------------------------------------------------------------------------------------
// the torch worker
function startTorch(threads) {
  const env = {
    ...process.env,
    OPENBLAS_NUM_THREADS: String(threads),
    OPENBLAS_THREAD_TIMEOUT: '4',
    VLAKIT_TORCH_THREADS: String(args['torch-threads']),
  };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const child = spawn(
    process.env.VLAKIT_PYTHON ?? '/usr/bin/python3',
    [join(root, 'bench', 'torch_reference.py')],
    {
      env,
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (l) => waiting.shift()?.resolve(JSON.parse(l)));
  child.on('error', (e) => {
    for (const w of waiting.splice(0)) w.reject(e);
  });
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`torch reference exited with ${code}`));
  });
  const ask = (msg) =>
    new Promise((resolve, reject) => {
      waiting.push({ resolve, reject });
      child.stdin.write(`${JSON.stringify(msg)}\n`);
    }).then((r) => {
      if (r.error) throw new Error(`torch reference: ${r.error}`);
      return r;
    });
  return { ask, close: () => child.stdin.end() };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const log = (msg) => process.stderr.write(`${msg}\n`);

// ---------------------------------------------------------------------------------------------
// --no-fused also keeps core's layers (and so the stages) on composed tfjs ops
const info = await initBackend(backendName, {
  native: !args['no-native'],
  fastKernels: !args.stock,
  fused: !args['no-fused'],
});
log(`vlakit backend: ${info.description}`);
// Per-kernel wall time over the measured (non-warmup) steps, printed per step at exit (for finding
// the slow kernels). VLAKIT_BENCH_PROFILE_SHAPES=1 keys BatchMatMul by shape, =all every kernel.
const profile = process.env.VLAKIT_BENCH_PROFILE === '1' ? { on: false, steps: 0, stepMs: 0 } : undefined;
if (profile) {
  const times = new Map();
  const shapes = process.env.VLAKIT_BENCH_PROFILE_SHAPES;
  const shapeOf = (t) => (t?.shape ? `[${t.shape}]` : '');
  for (const k of tf.getKernelsForBackend(tf.getBackend())) {
    const f = k.kernelFunc;
    k.kernelFunc = (args) => {
      if (!profile.on) return f(args);
      const t0 = performance.now();
      const r = f(args);
      const dt = performance.now() - t0;
      let key = k.kernelName;
      if (k.kernelName === 'BatchMatMul' && shapes)
        key = `BatchMatMul ${args.inputs.a.shape}${args.attrs.transposeA ? 'T' : ''} x ${args.inputs.b.shape}${args.attrs.transposeB ? 'T' : ''}`;
      else if (shapes === 'all') key = `${k.kernelName} ${Object.values(args.inputs).map(shapeOf).join(' ')}`;
      const e = times.get(key) ?? [0, 0];
      e[0] += dt;
      e[1]++;
      times.set(key, e);
      return r;
    };
  }
  process.on('exit', () => {
    const n = Math.max(profile.steps, 1);
    let kernelMs = 0;
    let calls = 0;
    for (const [ms, c] of times.values()) {
      kernelMs += ms;
      calls += c;
    }
    log(
      `profile over ${n} measured steps: step ${(profile.stepMs / n).toFixed(1)} ms, inside kernels ${(kernelMs / n).toFixed(1)} ms, ${(calls / n).toFixed(0)} kernel calls per step`,
    );
    for (const [name, [ms, c]] of [...times].sort((a, b) => b[1][0] - a[1][0]).slice(0, 40)) {
      log(
        `${name.padEnd(40)} ${(ms / n).toFixed(2).padStart(8)} ms ${(c / n).toFixed(1).padStart(7)} calls per step`,
      );
    }
  });
}
let torch;
let peakWorker;
if (!args['no-torch']) {
  try {
    torch = startTorch(1);
    const ti = await torch.ask({ cmd: 'info' });
    log(`torch ${ti.torch}, ${ti.threads} threads`);
    peakWorker = startTorch(2);
  } catch (e) {
    fail(
      `the PyTorch reference did not start (${e.message}); install it with apt-get install -y python3-torch python3-numpy libopenblas0-pthread, or pass --no-torch`,
    );
  }
}

const results = {};
const peaks = [];
for (const name of modelNames) {
  const c = CONFIGS[name];
  seed = 1;
  const real = name === 'pipeline' && !args['stand-in'] ? await buildRealPipeline(c) : null;
  const model = name === 'block' ? buildBlock(c) : (real ?? buildPipeline(c));
  const which = real ? 'real' : name === 'pipeline' ? 'stand-in' : 'block';
  const vision = name === 'pipeline' ? describeVision(real?.stages.vision) : undefined;
  log(
    `${name}: ${real ? `the default pipeline from the stage packages (${real.params} parameters)` : which}`,
  );
  if (vision) log(`${name}: vision stage ${vision}`);
  const stepFlops = countMatmulFlops(() => model.loss()) * 3;
  const step = trainer(model, c);
  const vlakitParams = (model.vars ?? Object.values(tf.engine().registeredVariables)).reduce(
    (n, v) => n + v.size,
    0,
  );
  if (torch) {
    const setup = await torch.ask({
      cmd: 'setup',
      model: which === 'stand-in' ? 'pipeline' : which,
      config: real ? { ...c, stages: real.stages } : c,
    });
    log(`${name}: parameters vlakit ${vlakitParams}, torch ${setup.params}`);
    if (setup.params !== vlakitParams) {
      log(`${name}: WARNING the torch peer has a different parameter count: the architectures differ`);
    }
  }
  const vl = [],
    tl = [];
  let vLoss = 0;
  for (let i = 0; i < warmup + samples; i++) {
    if (profile) profile.on = i >= warmup;
    const t0 = performance.now();
    vLoss = step();
    const ms = performance.now() - t0;
    if (profile?.on) {
      profile.on = false;
      profile.steps++;
      profile.stepMs += ms;
    }
    const tr = torch
      ? await torch.ask({ cmd: 'step', model: which === 'stand-in' ? 'pipeline' : which })
      : undefined;
    if (i >= warmup) {
      vl.push(ms);
      if (tr) tl.push(tr.ms);
      if (peakWorker && i % 3 === 0)
        peaks.push((await peakWorker.ask({ cmd: 'peak', n: 1024, repeats: 3 })).gflops);
    }
    log(
      `${name} ${i < warmup ? 'warmup' : 'sample'} ${i + 1}/${warmup + samples}: vlakit ${ms.toFixed(1)} ms` +
        (tr ? `, torch ${tr.ms.toFixed(1)} ms` : ''),
    );
  }
  const vms = median(vl);
  const tms = torch ? median(tl) : null;
  const ratios = torch ? vl.map((v, i) => v / tl[i]) : [];
  results[name] = {
    model: which,
    ...(vision ? { vision } : {}),
    vlakit_ms: +vms.toFixed(2),
    torch_ms: tms === null ? null : +tms.toFixed(2),
    ratio: torch ? +(vms / tms).toFixed(3) : null,
    ratio_of_pairs: torch ? +median(ratios).toFixed(3) : null,
    gflop_per_step: +(stepFlops / 1e9).toFixed(3),
    vlakit_gflops: +(stepFlops / vms / 1e6).toFixed(1),
    torch_gflops: tms === null ? null : +(stepFlops / tms / 1e6).toFixed(1),
    vlakit_samples_per_s: +((c.batch * 1000) / vms).toFixed(1),
    torch_samples_per_s: tms === null ? null : +((c.batch * 1000) / tms).toFixed(1),
    vlakit_last_loss: +vLoss.toFixed(4),
  };
  tf.disposeVariables();
}
torch?.close();
peakWorker?.close();
const peak = peaks.length ? Math.max(...peaks) : null;
for (const r of Object.values(results)) {
  r.vlakit_peak_share = peak ? +(r.vlakit_gflops / peak).toFixed(3) : null;
  r.torch_peak_share = peak && r.torch_gflops ? +(r.torch_gflops / peak).toFixed(3) : null;
}

const rows = Object.entries(results).map(
  ([n, r]) =>
    `| ${n} | ${r.vlakit_ms} | ${r.torch_ms ?? '-'} | ${r.ratio ?? '-'} | ${r.vlakit_samples_per_s} / ${r.torch_samples_per_s ?? '-'} | ${r.vlakit_gflops} / ${r.torch_gflops ?? '-'} | ${r.vlakit_peak_share ?? '-'} / ${r.torch_peak_share ?? '-'} |`,
);
console.log(`backend: ${info.description}`);
console.log(
  `medians of ${samples} interleaved samples (after ${warmup} warmup); fp32 peak (numpy matmul, best): ${peak ? peak.toFixed(0) : '-'} GFLOP/s`,
);
console.log(
  '| model | vlakit ms/step | torch ms/step | ratio | samples/s vlakit / torch | GFLOP/s vlakit / torch | peak share vlakit / torch |',
);
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
if (results.pipeline?.vision) console.log(`pipeline vision stage: ${results.pipeline.vision}`);
const maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(`vlakit process peak RSS: ${maxRssMb} MB`);
if (json)
  console.log(
    JSON.stringify({
      ...results,
      peak_gflops: peak === null ? null : +peak.toFixed(1),
      max_rss_mb: maxRssMb,
      backend: info.description,
    }),
  );
