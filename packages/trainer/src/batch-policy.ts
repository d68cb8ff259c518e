import * as tf from '@tensorflow/tfjs';
import { type Pipeline, quote, type TensorMap, VlakitError } from '@vlakit/core';
import { stackFramesInto } from '@vlakit/datasets';
import type { NormalizationStats } from './batch-source.js';
import { normalize, unnormalize } from './normalization.js';

/** One observation, as the simulator evaluator hands it over (docs/data-flow.md). */
export interface Observation {
  /** H*W*3 RGB bytes. */
  readonly image: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly instruction: string;
  /** Effector x, y. */
  readonly state: Float32Array;
  /** The episode's first frame (H*W*3 RGB bytes); needed by pipelines trained with data.startFrame. */
  readonly startImage?: Uint8Array;
}

/** Observations -> one action chunk each, T*A floats in metres (row-major (T, A)). */
export type BatchPolicy = (obs: Observation[]) => Promise<Float32Array[]> | Float32Array[];

/** The evaluator's report (the shape `vla expert` and `vla eval` print). */
export interface EvalReport {
  readonly episodes_per_family: number;
  readonly pc_success: number;
  readonly ci95?: readonly [number, number] | readonly number[];
  readonly families: Readonly<
    Record<
      string,
      {
        pc_success: number;
        ci95: readonly number[];
        mean_steps_to_success?: number | null;
        episodes?: number;
      }
    >
  >;
}

/** Feeds for the pipeline's declared inputs from images (B,H,W,3), instructions and states. */
export function pipelineFeeds(
  pipeline: Pipeline,
  images: tf.Tensor4D, // (B, H, W, 3)
  instructions: readonly string[],
  states: tf.Tensor2D | undefined, // (B, S)
): TensorMap {
  const feeds: TensorMap = {};
  const b = images.shape[0];
  for (const input of pipeline.inputs) {
    if (input.name === 'image') feeds['image'] = images;
    else if (input.name === 'tokenIds' || input.name === 'mask') {
      if (feeds['tokenIds']) continue;
      const tokenizer = pipeline.tokenizer();
      if (tokenizer === undefined)
        throw new VlakitError(
          'graph',
          'the pipeline takes tokenIds but has no language encoder with a tokenizer',
        );
      const enc = tokenizer.encode(instructions);
      feeds['tokenIds'] = tf.tensor2d(enc.ids, [b, enc.length], 'int32'); // (B, L)
      feeds['mask'] = tf.tensor2d(enc.mask, [b, enc.length], 'float32'); // (B, L)
    } else if (input.name === 'state') {
      if (states === undefined)
        throw new VlakitError('input', 'the pipeline takes a state input but no states were given');
      feeds['state'] = states;
    } else {
      throw new VlakitError(
        'graph',
        `pipeline input ${quote(input.name)} is not one the trainer can feed; it feeds image, tokenIds, mask and state`,
      );
    }
  }
  return feeds;
}

/**
 * A BatchPolicy running the pipeline in tfjs: images to [0, 1], instructions through the
 * pipeline's tokenizer, states normalised, predicted action chunks un-normalised to metres.
 */
export function createBatchPolicy(pipeline: Pipeline, normalization: NormalizationStats): BatchPolicy {
  const imageInput = pipeline.inputs.find((i) => i.name === 'image');
  const [, ih, iw, ic] = imageInput?.shape ?? [];
  const c = typeof ic === 'number' ? ic : 3; // 6: the current frame, then the episode's first
  return (obs) => {
    if (obs.length === 0) return [];
    const { width: w, height: h } = obs[0]!;
    for (const o of obs) {
      if (o.width !== w || o.height !== h || o.image.length !== w * h * 3) {
        throw new VlakitError(
          'input',
          `observation image ${o.width}x${o.height} with ${o.image.length} bytes; expected ${w}x${h}x3 for every observation`,
        );
      }
    }
    if ((typeof ih === 'number' && ih !== h) || (typeof iw === 'number' && iw !== w)) {
      throw new VlakitError(
        'input',
        `observation images are ${w}x${h}; the pipeline was trained on ${iw}x${ih}`,
      );
    }
    const b = obs.length;
    const pixels = stackFrames(obs, h * w, c); // (B, H, W, C)
    const sDim = normalization.state.mean.length;
    const states = new Float32Array(b * sDim);
    obs.forEach((o, i) => states.set(normalize(o.state.subarray(0, sDim), normalization.state), i * sDim));
    const actions = tf.tidy(() => {
      const feeds = pipelineFeeds(
        pipeline,
        tf.tensor4d(pixels, [b, h, w, c]),
        obs.map((o) => o.instruction),
        tf.tensor2d(states, [b, sDim]),
      );
      return pipeline.forward(feeds, { training: false })['actions']!; // (B, T, A)
    });
    const [, t, a] = actions.shape as [number, number, number];
    const data = actions.dataSync() as Float32Array;
    actions.dispose();
    return obs.map((_, i) => unnormalize(data.slice(i * t * a, (i + 1) * t * a), normalization.action));
  };
}

/**
 * Observations' images as one (B, H, W, C) float batch in [0, 1]: C = 3 is the image itself, C = 6
 * stacks the episode's first frame (`startImage`) after it per pixel, as data.startFrame trains.
 */
export function stackFrames(obs: readonly Observation[], pixels: number, channels: number): Float32Array {
  if (channels !== 3 && channels !== 6) {
    throw new VlakitError(
      'graph',
      `the pipeline's image input has ${channels} channels; the trainer feeds 3 (RGB) or 6 (RGB + the episode's first frame)`,
    );
  }
  const out = new Float32Array(obs.length * pixels * channels); // (B, H, W, C)
  obs.forEach((o, i) => {
    if (channels === 6 && o.startImage?.length !== pixels * 3) {
      throw new VlakitError(
        'input',
        `observation ${i} has no startImage of ${pixels * 3} bytes (got ${o.startImage === undefined ? 'none' : o.startImage.length}); the pipeline was trained with data.startFrame and reads the episode's first frame`,
      );
    }
    const frames = channels === 3 ? [o.image] : [o.image, o.startImage!];
    stackFramesInto(out.subarray(i * pixels * channels, (i + 1) * pixels * channels), frames, pixels);
  });
  return out;
}
