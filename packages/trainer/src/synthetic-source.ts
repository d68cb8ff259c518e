import { deriveSeed, quote, SeededRandom, VlakitError } from '@vlakit/core';
import type { BatchSource, NormalizationStats, TrainingBatch, TrainingData } from './batch-source.js';
import { computeStats, normalize } from './normalization.js';

/**
 * A synthetic reaching task, for tests and smoke runs without a dataset: an image with a red and
 * a blue square and the effector (a white dot), the instruction names a colour, the state is the
 * effector position, the action chunk moves it towards the named square (clipped to 0.1 per step)
 * and `done` is 1 once it is there. Chunk steps after arrival are masked out. Learnable from
 * image + instruction, so a loss that falls shows the whole training path works.
 */
export interface SyntheticDataOptions {
  readonly seed: number;
  readonly batchSize: number;
  readonly imageSize: number;
  readonly chunk: number;
}

/** The synthetic batches' auxiliary feature: effector, red, blue (x, y) in [0, 1] (see RawSample). */
export const SYNTHETIC_POSITIONS = 'observation.environment_state';

const COLOURS = { red: [0.9, 0.1, 0.1], blue: [0.1, 0.2, 0.9] } as const;
const STEP = 0.1;
const REACHED = 0.05;

interface RawSample {
  image: Float32Array;
  instruction: string;
  state: [number, number];
  actions: Float32Array; // (T, 2)
  mask: Float32Array; // (T)
  done: number;
  /** Effector, red and blue square centres as (x, y) in [0, 1]: pixel column x (S - 1), row y (S - 1). */
  positions: number[];
}

function drawSample(rng: SeededRandom, size: number, chunk: number): RawSample {
  const red: [number, number] = [0.15 + 0.7 * rng.uniform(), 0.15 + 0.7 * rng.uniform()];
  const blue: [number, number] = [0.15 + 0.7 * rng.uniform(), 0.15 + 0.7 * rng.uniform()];
  const which = rng.uniform() < 0.5 ? 'red' : 'blue';
  const target = which === 'red' ? red : blue;
  // a quarter of the samples start at or near the target, so done and masking occur
  const near = rng.uniform() < 0.25;
  const pos: [number, number] = near
    ? [target[0] + (rng.uniform() - 0.5) * 0.15, target[1] + (rng.uniform() - 0.5) * 0.15]
    : [rng.uniform(), rng.uniform()];
  const image = new Float32Array(size * size * 3).fill(0.5);
  const paint = (c: [number, number], rgb: readonly number[], radius: number) => {
    const cx = c[0] * (size - 1);
    const cy = c[1] * (size - 1);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        if (Math.abs(x - cx) <= radius && Math.abs(y - cy) <= radius)
          for (let k = 0; k < 3; k++) image[(y * size + x) * 3 + k] = rgb[k]!;
  };
  const r = Math.max(0, Math.floor(size / 10));
  paint(red, COLOURS.red, r);
  paint(blue, COLOURS.blue, r);
  paint(pos, [1, 1, 1], 0.5); // the pixel nearest the effector
  const actions = new Float32Array(chunk * 2);
  const mask = new Float32Array(chunk);
  const p: [number, number] = [pos[0], pos[1]];
  const dist = () => Math.hypot(target[0] - p[0], target[1] - p[1]);
  const done = dist() < REACHED ? 1 : 0;
  let arrived = done === 1;
  for (let t = 0; t < chunk; t++) {
    if (arrived) break; // the episode has ended: the rest of the chunk is padding
    mask[t] = 1;
    for (let k = 0; k < 2; k++) {
      const d = Math.max(-STEP, Math.min(STEP, target[k]! - p[k]!));
      actions[t * 2 + k] = d;
      p[k] = p[k]! + d;
    }
    arrived = dist() < REACHED;
  }
  return {
    image,
    instruction: `${which} block`,
    state: pos,
    actions,
    mask,
    done,
    positions: [...pos, ...red, ...blue],
  };
}

/** An endless seeded stream of synthetic batches; `getState`/`setState` resume it exactly. */
export class SyntheticBatchSource implements BatchSource {
  private readonly rng: SeededRandom;

  constructor(
    private readonly options: SyntheticDataOptions,
    private readonly stats: NormalizationStats,
  ) {
    this.rng = new SeededRandom(options.seed);
  }

  next(): TrainingBatch {
    const { batchSize: b, imageSize: s, chunk: t } = this.options;
    const images = new Float32Array(b * s * s * 3);
    const states = new Float32Array(b * 2);
    const actions = new Float32Array(b * t * 2);
    const actionMask = new Float32Array(b * t);
    const done = new Float32Array(b);
    const instructions: string[] = [];
    const positions = new Float32Array(b * 6);
    for (let i = 0; i < b; i++) {
      const x = drawSample(this.rng, s, t);
      positions.set(x.positions, i * 6);
      images.set(x.image, i * s * s * 3);
      states.set(normalize(Float32Array.from(x.state), this.stats.state), i * 2);
      const a = normalize(x.actions, this.stats.action);
      for (let j = 0; j < t * 2; j++) if (x.mask[Math.floor(j / 2)] === 0) a[j] = 0;
      actions.set(a, i * t * 2);
      actionMask.set(x.mask, i * t);
      done[i] = x.done;
      instructions.push(x.instruction);
    }
    return {
      size: b,
      images,
      imageHeight: s,
      imageWidth: s,
      instructions,
      states,
      stateDim: 2,
      actions,
      chunk: t,
      actionDim: 2,
      actionMask,
      done,
      auxiliary: { [SYNTHETIC_POSITIONS]: { dim: 6, data: positions } },
    };
  }

  getState(): unknown {
    return { rng: this.rng.getState() };
  }

  setState(state: unknown): void {
    const rng = (state as { rng?: unknown } | null)?.rng;
    if (!Array.isArray(rng) || rng.length !== 4 || !rng.every(Number.isInteger)) {
      throw new VlakitError('checkpoint', `synthetic data state ${quote(state)} must be {rng: [4 integers]}`);
    }
    this.rng.setState(rng);
  }
}

/** Statistics of the synthetic task's states and valid actions, from `samples` training draws. */
export function syntheticStats(options: SyntheticDataOptions, samples = 512): NormalizationStats {
  const rng = new SeededRandom(deriveSeed(options.seed, 'stats'));
  const states: number[] = [];
  const actions: number[] = [];
  for (let i = 0; i < samples; i++) {
    const x = drawSample(rng, 4, options.chunk);
    states.push(...x.state);
    for (let t = 0; t < options.chunk; t++)
      if (x.mask[t] === 1) actions.push(x.actions[t * 2]!, x.actions[t * 2 + 1]!);
  }
  return { state: computeStats(states, 2), action: computeStats(actions, 2) };
}

/** Training and validation streams of the synthetic task (validation has its own seed). */
export function syntheticTrainingData(options: SyntheticDataOptions): TrainingData {
  const normalization = syntheticStats(options);
  return {
    train: new SyntheticBatchSource(options, normalization),
    validation: new SyntheticBatchSource(
      { ...options, seed: deriveSeed(options.seed, 'validation') },
      normalization,
    ),
    normalization,
    description: `synthetic reaching task, ${options.imageSize}x${options.imageSize} images, chunk ${options.chunk}`,
  };
}
