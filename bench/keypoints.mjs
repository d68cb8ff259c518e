#!/usr/bin/env node
// `pnpm bench keypoints [--data DIR] [--episodes N] [--steps N] [--stride S]
//                       [--loss both|kl|position] [--position-weight W] [--sigma S] [--seed N] [--json]`
// Can the vit keypoint readout find the tabletop's objects? Trains only the readout's per-cell
// scoring MLP (no transformer, no action loss) with the trainer's keypoint loss on tabletop
// demonstrations, and reports the mean distance in image pixels between each keypoint and its
// object (effector, then BLOCK_4's blocks) on 256 held-out frames every 100 steps.
// --data: a LeRobot dataset with observation.environment_state (default: `vla generate` writes
// --episodes episodes (all families, default 200) into a temporary folder).
// --loss: both (default; the trainer's KL + position-weight x squared cell distance), kl (KL
// only) or position (the position term only). Defaults follow `vla demo`'s TABLETOP_KEYPOINTS
// (stride 2, sigma 0.5, position weight 0.1).
// `--json`: the last line is {"benchmark": "keypoints", "loss", "stride", "steps": [{"step",
// "kl", "pixel_error": [per keypoint]}]}.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchArgs, benchFail } from './lib/bench-args.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const usage =
  '[--data DIR] [--episodes N] [--steps N] [--stride S] [--loss both|kl|position] [--position-weight W] [--sigma S] [--seed N] [--json]';
const args = benchArgs(
  'keypoints',
  {
    data: { type: 'string', default: undefined },
    episodes: { type: 'int', default: 200 },
    steps: { type: 'int', default: 300 },
    stride: { type: 'choice', default: '2', choices: ['1', '2', '4'] },
    loss: { type: 'choice', default: 'both', choices: ['both', 'kl', 'position'] },
    'position-weight': { type: 'number', default: 0.1, min: 0 },
    sigma: { type: 'number', default: 0.5, min: 1e-3 },
    seed: { type: 'int', default: 0, min: 0 },
    json: { type: 'boolean' },
  },
  usage,
);
const dist = (name) => pathToFileURL(join(root, 'packages', name, 'dist', 'index.js')).href;
for (const name of ['backend', 'datasets', 'encoder-vit', 'trainer', 'cli'])
  if (!existsSync(join(root, 'packages', name, 'dist', 'index.js')))
    benchFail('keypoints', `packages/${name} is not built; run pnpm install`);
const log = (line) => (args.json ? console.error(line) : console.log(line));

let dir = args.data;
let temporary;
if (dir === undefined) {
  temporary = mkdtempSync(join(tmpdir(), 'vlakit-keypoints-'));
  dir = join(temporary, 'data');
  log(`generating ${args.episodes} demonstrations into ${dir}`);
  const bin = join(root, 'packages', 'cli', 'dist', 'bin.js');
  const gen = ['generate', '--episodes', String(args.episodes), '--out', dir, '--seed', '0'];
  const r = spawnSync(process.execPath, [bin, ...gen], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) benchFail('keypoints', `vla generate failed (exit ${r.status})`);
}

// tfjs as the packages resolve it (the root has no direct dependency on it)
const requireBackend = createRequire(join(root, 'packages', 'backend', 'package.json'));
const tf = await import(pathToFileURL(requireBackend.resolve('@tensorflow/tfjs')).href);
const { initBackend } = await import(dist('backend'));
const { parseDataConfig, prepareTrainingData } = await import(dist('datasets'));
const { VitEncoderPlugin } = await import(dist('encoder-vit'));
const { keypointLoss, keypointTargets, fromDatasetBatch, TABLETOP_KEYPOINTS } = await import(dist('trainer'));
const backend = await initBackend('auto');
log(`backend: ${backend.description}`);

const feature = 'observation.environment_state';
const config = { ...TABLETOP_KEYPOINTS, sigma: args.sigma, positionWeight: args['position-weight'] };
const data = parseDataConfig({ dir, chunkLength: 1, auxiliaryKeys: [feature], augmentation: { shift: 0 } });
const prepared = await prepareTrainingData(data, args.seed);
const train = prepared.trainIterator(32);
const held = fromDatasetBatch([...prepared.valBatches(256)][0]);
const size = held.imageHeight;
const stage = new VitEncoderPlugin({ info() {}, warn() {} }).create(
  {
    imageSize: size,
    patchSize: 8,
    dim: 64,
    depth: 0,
    heads: 4,
    keypoints: config.points.length,
    keypointStride: Number(args.stride),
    patchTokens: false,
  },
  { name: 'vision', seed: args.seed, upstream: {} },
);
stage.build();
const readout = [...stage.variables()].filter(([n]) => n.startsWith('keypoint/pixel')).map(([, v]) => v);
const optimizer = tf.train.adam(3e-3);

const forward = (batch, training) =>
  stage.forward(
    { image: tf.tensor4d(batch.images, [batch.size, size, size, 3]) },
    { training, inspect: true },
  );
const lossOf = (out, batch) => {
  const [, , h, w] = out.keypointLogits.shape;
  const parts = keypointLoss(
    out.keypointLogits,
    out.keypoints,
    keypointTargets(batch, config, h, w),
    config.positionWeight,
  );
  const position = tf.mul(parts.squaredDistance, config.positionWeight);
  return {
    kl: parts.kl,
    total: args.loss === 'both' ? parts.loss : args.loss === 'kl' ? parts.kl : position,
  };
};

const env = held.auxiliary[feature];
const rows = [];
function measure(step) {
  const out = forward(held, false);
  const positions = out.keypoints.arraySync(); // (n, K, 2) (u, v) in [-1, 1]
  const pixel_error = config.points.map(([ri, ci], k) => {
    let sum = 0;
    for (let s = 0; s < held.size; s++) {
      const row =
        ((env.data[s * env.dim + ri] - config.rowRange[0]) / (config.rowRange[1] - config.rowRange[0])) *
        size;
      const col =
        ((env.data[s * env.dim + ci] - config.colRange[0]) / (config.colRange[1] - config.colRange[0])) *
        size;
      sum += Math.hypot(
        ((positions[s][k][1] + 1) / 2) * size - row,
        ((positions[s][k][0] + 1) / 2) * size - col,
      );
    }
    return Number((sum / held.size).toFixed(2));
  });
  const kl = Number(lossOf(out, held).kl.dataSync()[0].toFixed(3));
  tf.dispose(Object.values(out));
  rows.push({ step, kl, pixel_error });
  log(`step ${step}: KL ${kl}, mean pixel error per keypoint (effector, blocks) ${pixel_error.join(' / ')}`);
}

measure(0);
for (let step = 1; step <= args.steps; step++) {
  const batch = fromDatasetBatch(train.next());
  optimizer.minimize(() => lossOf(forward(batch, true), batch).total, false, readout);
  if (step % 100 === 0 || step === args.steps) measure(step);
}
if (temporary) rmSync(temporary, { recursive: true, force: true });
if (args.json)
  console.log(
    JSON.stringify({ benchmark: 'keypoints', loss: args.loss, stride: Number(args.stride), steps: rows }),
  );
