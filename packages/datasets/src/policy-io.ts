import { quote } from '@vlakit/core';
import { datasetError } from './dataset-error.js';
import { stackFramesInto } from './frame-stack.js';
import type { Normalizer } from './normalization.js';

/** One observation as the simulator evaluator hands it to a policy (docs/data-flow.md). */
export interface PolicyObservation {
  image: Uint8Array; // (H, W, 3) RGB
  width: number;
  height: number;
  instruction: string;
  state: Float32Array; // (S,)
  /** The episode's first frame (H, W, 3), read when the inputs take 6 channels (data.startFrame). */
  startImage?: Uint8Array;
}

/** Policy inputs prepared exactly as training batches are (minus augmentation). */
export interface PolicyInputs {
  size: number; // B
  height: number;
  width: number;
  channels: number; // C: 3, or 6 with the episode's first frame
  images: Float32Array; // (B, H, W, C) in [0, 1]
  states: Float32Array; // (B, S) normalised
  instructions: string[]; // (B,)
}

/**
 * Turns evaluator observations into network inputs the way `BatchAssembler` does for training:
 * pixels / 255 (with `startFrame`, each observation's `startImage` stacked after its image),
 * state normalised with the saved statistics of `stateKey`.
 */
export function observationsToInputs(
  observations: readonly PolicyObservation[],
  normalizer: Normalizer,
  stateKey = 'observation.state',
  startFrame = false,
): PolicyInputs {
  const B = observations.length;
  if (B === 0)
    throw datasetError('observationsToInputs needs at least one observation', {}, { kind: 'input' });
  const { height, width } = observations[0]!;
  const S = normalizer.dim(stateKey);
  const frame = height * width * 3;
  const C = startFrame ? 6 : 3;
  const images = new Float32Array(B * height * width * C); // (B, H, W, C)
  const states = new Float32Array(B * S); // (B, S)
  observations.forEach((o, b) => {
    if (o.height !== height || o.width !== width || o.image.length !== frame) {
      throw datasetError(
        `observation ${b}: image is ${o.height}x${o.width} with ${o.image.length} bytes, expected ${height}x${width}x3 like observation 0`,
        { index: b },
        { kind: 'shape' },
      );
    }
    if (o.state.length !== S) {
      throw datasetError(
        `observation ${b}: state has ${o.state.length} values, expected ${S} (${quote(stateKey)})`,
        { index: b },
        { kind: 'shape' },
      );
    }
    if (startFrame && o.startImage?.length !== frame) {
      throw datasetError(
        `observation ${b}: startImage has ${o.startImage?.length ?? 'no'} bytes, expected ${height}x${width}x3 (the inputs stack the episode's first frame)`,
        { index: b },
        { kind: 'shape' },
      );
    }
    const dst = images.subarray(b * frame * (C / 3), (b + 1) * frame * (C / 3)); // (H, W, C)
    stackFramesInto(dst, startFrame ? [o.image, o.startImage!] : [o.image], height * width);
    states.set(o.state, b * S);
  });
  normalizer.normalize(stateKey, states, states);
  return {
    size: B,
    height,
    width,
    channels: C,
    images,
    states,
    instructions: observations.map((o) => o.instruction),
  };
}

/**
 * Splits a normalised action batch (B, T, A) into one chunk per observation in the dataset's
 * units (row-major (T, A)), as `BatchPolicy` returns them.
 */
export function actionsToChunks(
  actions: Float32Array, // (B, T, A) normalised
  batch: number,
  normalizer: Normalizer,
  actionKey = 'action',
): Float32Array[] {
  if (batch <= 0 || actions.length % batch !== 0) {
    throw datasetError(
      `actions hold ${actions.length} values, not a multiple of the batch size ${batch}`,
      {},
      { kind: 'shape' },
    );
  }
  const per = actions.length / batch; // T * A
  const metres = normalizer.unnormalize(actionKey, actions); // (B, T, A)
  return Array.from({ length: batch }, (_, b) => metres.slice(b * per, (b + 1) * per));
}
