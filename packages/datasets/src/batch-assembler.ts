import { quote } from '@vlakit/core';
import { imageFrame } from './compressed-frames.js';
import { datasetError } from './dataset-error.js';
import type { EpisodeDataset, ImageFeature, NumericFeature } from './episode-dataset.js';
import { stackFramesInto } from './frame-stack.js';
import type { Normalizer } from './normalization.js';

/**
 * The done target of a sample at frame t:
 * - `frame`: the done flag of frame t itself (`next.done` at t: the task is solved by this step);
 * - `chunk`: 1 when any frame t..t+T-1 of the same episode is done (the episode ends within the chunk).
 */
export type DoneTarget = 'frame' | 'chunk';
export type ActionsAfterDone = 'train' | 'mask';

/** Which features make a sample. */
export interface SampleSpec {
  /** Image feature (decoded in memory), or null for state-only training. */
  imageKey: string | null;
  /** State feature, or null for none (states then have width 0). */
  stateKey: string | null;
  actionKey: string;
  /** Done feature; 'auto' uses `next.done` when present, else marks the last frame of each episode. */
  doneKey: string | 'auto' | null;
  /** Action chunk length T (>= 1). */
  chunkLength: number;
  doneTarget: DoneTarget;
  /**
   * Actions recorded after the episode's first done frame (the task already complete, e.g. an
   * expert idling with zero actions): 'train' (default) keeps them as targets, 'mask' leaves them
   * out of the action loss (the done target still sees those frames).
   */
  actionsAfterDone?: ActionsAfterDone;
  /**
   * Numeric features carried through raw (not normalised) for auxiliary losses, e.g.
   * `observation.environment_state` for keypoint supervision; absent or empty for none.
   */
  auxiliaryKeys?: readonly string[];
  /**
   * Give every sample its episode's first frame as well (default false): images get 6 channels
   * per pixel (the current frame's RGB, then the first frame's), and each auxiliary feature's
   * values are followed by its values at the first frame (dimension 2D). A task goal set
   * relative to where the blocks started ("push the cube a bit left") is only visible then.
   */
  startFrame?: boolean;
}

/** Raw values of one auxiliary feature for the batch's samples. */
export interface AuxiliaryValues {
  dim: number; // D (2 x the feature's width with SampleSpec.startFrame)
  data: Float32Array; // (B, D) raw, as stored in the dataset
}

/** One training batch: typed arrays, row-major, shapes in comments. */
export interface Batch {
  size: number; // B
  height: number; // H (0 without images)
  width: number; // W (0 without images)
  channels: number; // C: 3, or 6 with the episode's first frame (SampleSpec.startFrame)
  chunkLength: number; // T
  stateDim: number; // S
  actionDim: number; // A
  images: Float32Array; // (B, H, W, C) in [0, 1]
  states: Float32Array; // (B, S) normalised
  actions: Float32Array; // (B, T, A) normalised, zero past the episode end
  actionMask: Float32Array; // (B, T) 1 where a[t + k] exists in the episode
  done: Float32Array; // (B,) 0 or 1
  instructions: string[]; // (B,)
  episodeIndices: Int32Array; // (B,) dataset episode index
  frameIndices: Int32Array; // (B,) frame within its episode
  /** Pixels the image content moved by under augmentation's random shift: (rows, columns); 0 without. */
  shifts: Int32Array; // (B, 2)
  /** `SampleSpec.auxiliaryKeys` by key. */
  auxiliary: Record<string, AuxiliaryValues>;
}

/** Builds batches from frame rows of an in-memory dataset, normalising states and actions. */
export class BatchAssembler {
  readonly image: ImageFeature | undefined;
  readonly state: NumericFeature | undefined;
  readonly action: NumericFeature;
  readonly auxiliary: readonly NumericFeature[];
  /** Per frame row: 1 when done (from the feature or the episode end). */
  readonly doneOfRow: Uint8Array; // (N,)
  /** Where the done flags came from. */
  readonly doneSource: 'feature' | 'episode-end';
  private readonly episodeOfRow: Int32Array; // (N,) position in dataset.episodes
  private readonly normalizedState: Float32Array; // (N, S)
  private readonly normalizedAction: Float32Array; // (N, A)

  constructor(
    readonly dataset: EpisodeDataset,
    readonly normalizer: Normalizer,
    readonly spec: SampleSpec,
  ) {
    if (!Number.isInteger(spec.chunkLength) || spec.chunkLength <= 0) {
      throw datasetError(
        `chunkLength (${quote(spec.chunkLength)}) must be a positive integer`,
        { chunkLength: spec.chunkLength },
        { kind: 'config' },
      );
    }
    this.image = spec.imageKey === null ? undefined : dataset.getImages(spec.imageKey);
    this.state = spec.stateKey === null ? undefined : dataset.getNumeric(spec.stateKey);
    this.action = dataset.getNumeric(spec.actionKey);
    this.auxiliary = (spec.auxiliaryKeys ?? []).map((key) => {
      if (!dataset.numeric[key]) {
        throw datasetError(
          `auxiliary feature ${quote(key)} is not in the dataset; its numeric features are ${Object.keys(dataset.numeric).map(quote).join(', ')}`,
          { key },
          { kind: 'config' },
        );
      }
      return dataset.getNumeric(key);
    });
    for (const f of [this.state, this.action]) {
      if (f && normalizer.dim(f.key) !== f.dim) {
        throw datasetError(
          `normalisation statistics of ${quote(f.key)} have ${normalizer.dim(f.key)} dimensions but the dataset feature has ${f.dim}`,
          { key: f.key },
          { kind: 'shape' },
        );
      }
    }
    const n = dataset.numFrames;
    this.episodeOfRow = new Int32Array(n);
    dataset.episodes.forEach((e, i) => this.episodeOfRow.fill(i, e.start, e.start + e.length));

    this.doneOfRow = new Uint8Array(n);
    const doneKey =
      spec.doneKey === 'auto' ? (dataset.numeric['next.done'] ? 'next.done' : null) : spec.doneKey;
    if (doneKey !== null) {
      const f = dataset.getNumeric(doneKey);
      if (f.dim !== 1) {
        throw datasetError(
          `done feature ${quote(doneKey)} has ${f.dim} values per frame, expected 1`,
          { key: doneKey },
          { kind: 'shape' },
        );
      }
      for (let i = 0; i < n; i++) this.doneOfRow[i] = f.data[i]! > 0.5 ? 1 : 0;
      this.doneSource = 'feature';
    } else {
      for (const e of dataset.episodes) if (e.length > 0) this.doneOfRow[e.start + e.length - 1] = 1;
      this.doneSource = 'episode-end';
    }
    // normalise every frame once, so batches only copy
    this.normalizedState = this.state
      ? normalizer.normalize(this.state.key, this.state.data)
      : new Float32Array(0);
    this.normalizedAction = normalizer.normalize(this.action.key, this.action.data);
  }

  get stateDim(): number {
    return this.state?.dim ?? 0;
  }

  get actionDim(): number {
    return this.action.dim;
  }

  /** Frames per sample: 1, or 2 with the episode's first frame (SampleSpec.startFrame). */
  get frames(): number {
    return this.spec.startFrame ? 2 : 1;
  }

  /** Image channels per pixel: 3 per frame. */
  get channels(): number {
    return 3 * this.frames;
  }

  /** A zeroed batch of `size` samples with this assembler's shapes. */
  allocate(size: number): Batch {
    const H = this.image?.height ?? 0;
    const W = this.image?.width ?? 0;
    const T = this.spec.chunkLength;
    const C = this.channels;
    const aux = this.frames; // auxiliary values of the current frame, then the first frame's
    return {
      size,
      height: H,
      width: W,
      channels: C,
      chunkLength: T,
      stateDim: this.stateDim,
      actionDim: this.actionDim,
      images: new Float32Array(size * H * W * C), // (B, H, W, C)
      states: new Float32Array(size * this.stateDim), // (B, S)
      actions: new Float32Array(size * T * this.actionDim), // (B, T, A)
      actionMask: new Float32Array(size * T), // (B, T)
      done: new Float32Array(size), // (B,)
      instructions: new Array<string>(size).fill(''),
      episodeIndices: new Int32Array(size),
      frameIndices: new Int32Array(size),
      shifts: new Int32Array(size * 2), // (B, 2)
      auxiliary: Object.fromEntries(
        this.auxiliary.map((f) => [f.key, { dim: aux * f.dim, data: new Float32Array(size * aux * f.dim) }]),
      ),
    };
  }

  /**
   * How many of the `valid` chunk steps from `row` are action targets: all of them, or with
   * `actionsAfterDone: 'mask'` those before the first step whose previous frame is done (the
   * action at frame k follows the done flag of frame k - 1, LeRobot's `next.done`).
   */
  private trainedSteps(row: number, episodeStart: number, valid: number): number {
    if (this.spec.actionsAfterDone !== 'mask') return valid;
    for (let k = 0; k < valid; k++) if (row + k > episodeStart && this.doneOfRow[row + k - 1]) return k;
    return valid;
  }

  /** Fills `out` (or a new batch) with the samples at frame rows `rows`. */
  assemble(rows: ArrayLike<number>, out: Batch = this.allocate(rows.length)): Batch {
    if (out.size !== rows.length)
      throw datasetError(`batch of size ${out.size} cannot hold ${rows.length} samples`);
    const T = this.spec.chunkLength;
    const A = this.actionDim;
    const S = this.stateDim;
    const img = this.image;
    const start = this.spec.startFrame === true;
    const C = this.channels;
    const pixels = img ? img.height * img.width : 0;
    out.actions.fill(0);
    out.actionMask.fill(0);
    out.shifts.fill(0);
    for (let b = 0; b < rows.length; b++) {
      const row = rows[b]!;
      if (!(row >= 0 && row < this.dataset.numFrames)) {
        throw datasetError(`frame row ${row} is outside the dataset (0..${this.dataset.numFrames - 1})`);
      }
      const ep = this.dataset.episodes[this.episodeOfRow[row]!]!;
      const end = ep.start + ep.length; // first row past the episode
      if (img) {
        const dst = out.images.subarray(b * pixels * C, (b + 1) * pixels * C); // (H, W, C) float32
        const current = imageFrame(img, row); // (H, W, 3) uint8
        stackFramesInto(dst, start ? [current, imageFrame(img, ep.start)] : [current], pixels);
      }
      if (S > 0) out.states.set(this.normalizedState.subarray(row * S, (row + 1) * S), b * S);
      const valid = Math.min(T, end - row);
      out.actions.set(this.normalizedAction.subarray(row * A, (row + valid) * A), b * T * A);
      out.actionMask.fill(1, b * T, b * T + this.trainedSteps(row, ep.start, valid));
      let done = this.doneOfRow[row]!;
      if (this.spec.doneTarget === 'chunk')
        for (let k = 1; k < valid && !done; k++) done = this.doneOfRow[row + k]!;
      out.done[b] = done;
      out.instructions[b] = this.dataset.instruction(row);
      out.episodeIndices[b] = ep.episodeIndex;
      out.frameIndices[b] = row - ep.start;
      for (const f of this.auxiliary) {
        const d = f.dim;
        const aux = out.auxiliary[f.key]!.data;
        aux.set(f.data.subarray(row * d, (row + 1) * d), b * this.frames * d);
        if (start) aux.set(f.data.subarray(ep.start * d, (ep.start + 1) * d), (2 * b + 1) * d);
      }
    }
    return out;
  }
}
