import * as tf from '@tensorflow/tfjs';
import { type Pipeline, SeededRandom, type TensorMap } from '@vlakit/core';
import { inputRoles } from './input-roles.js';

/** Instructions used to make token inputs for traces and parity checks. */
export const SAMPLE_INSTRUCTIONS = [
  'push the red moon to the blue cube',
  'move the green star left',
  'slide the yellow pentagon to the top right corner',
  'push the blue cube next to the red moon',
  'put the green star in the center',
  // longer than most tokenizers' max length: the runtime's truncation is checked too
  'push the red moon next to the blue cube and then slide the green star and the yellow pentagon all the way to the bottom left corner of the table',
];

/**
 * Deterministic sample inputs for every pipeline input at a batch size: images uniform in
 * [0, 1], tokens from the pipeline's tokenizer on sample instructions, states in [-0.3, 0.3].
 */
export function makeSampleFeeds(pipeline: Pipeline, batch: number, seed = 7): TensorMap {
  const rng = new SeededRandom(seed + batch);
  const roles = inputRoles(pipeline);
  const tokenizer = pipeline.tokenizer();
  const texts = Array.from({ length: batch }, (_, i) => SAMPLE_INSTRUCTIONS[i % SAMPLE_INSTRUCTIONS.length]!);
  const encoded = tokenizer?.encode(texts);
  const feeds: TensorMap = {};
  for (const input of pipeline.inputs) {
    const role = roles[input.name];
    const shape = input.shape.map((d, k) => (k === 0 ? batch : typeof d === 'number' ? d : 4));
    const size = shape.reduce((x, y) => x * y, 1);
    if (role === 'token_ids' && encoded) {
      feeds[input.name] = tf.tensor(encoded.ids, [batch, encoded.length], 'int32');
    } else if (role === 'token_mask' && encoded) {
      feeds[input.name] = tf.tensor(encoded.mask, [batch, encoded.length], 'float32');
    } else if (input.dtype === 'int32') {
      feeds[input.name] = tf.tensor(
        Int32Array.from({ length: size }, () => 1 + Math.floor(rng.uniform() * 3)),
        shape,
        'int32',
      );
    } else {
      const lo = role === 'state' ? -0.3 : 0;
      const hi = role === 'state' ? 0.3 : 1;
      feeds[input.name] = tf.tensor(
        Float32Array.from({ length: size }, () => lo + (hi - lo) * rng.uniform()),
        shape,
        'float32',
      );
    }
  }
  return feeds;
}
