import { quote } from '@vlakit/core';
import { datasetError } from './dataset-error.js';
import type { Normalizer } from './normalization.js';

/** One observation as the simulator evaluator hands it to a policy (docs/data-flow.md). */
export interface PolicyObservation {
  image: Uint8Array; // (H, W, 3) RGB
  width: number;
  height: number;
  instruction: string;
  state: Float32Array; // (S,)
}

/** Policy inputs prepared exactly as training batches are (minus augmentation). */
export interface PolicyInputs {
  size: number; // B
  height: number;
  width: number;
  images: Float32Array; // (B, H, W, 3) in [0, 1]
  states: Float32Array; // (B, S) normalised
  instructions: string[]; // (B,)
}

const U8_TO_UNIT = Float32Array.from({ length: 256 }, (_, i) => i / 255);

/**
 * Turns evaluator observations into network inputs the way `BatchAssembler` does for training:
 * pixels / 255, state normalised with the saved statistics of `stateKey`.
 */
export function observationsToInputs(
  observations: readonly PolicyObservation[],
  normalizer: Normalizer,
  stateKey = 'observation.state',
): PolicyInputs {
  const B = observations.length;
  if (B === 0)
    throw datasetError('observationsToInputs needs at least one observation', {}, { kind: 'input' });
  const { height, width } = observations[0]!;
  const S = normalizer.dim(stateKey);
  const frame = height * width * 3;
  const images = new Float32Array(B * frame); // (B, H, W, 3)
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
    const dst = images.subarray(b * frame, (b + 1) * frame);
    for (let i = 0; i < frame; i++) dst[i] = U8_TO_UNIT[o.image[i]!]!;
    states.set(o.state, b * S);
  });
  normalizer.normalize(stateKey, states, states);
  return { size: B, height, width, images, states, instructions: observations.map((o) => o.instruction) };
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
