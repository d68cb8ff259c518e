import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';

/** The fixtures folder (written by fixtures/make_fixture.py). */
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** image[b, y, x, c] = 0.5 + 0.5 sin(0.1 y + 0.17 x + 0.9 c + 1.3 b): the fixture script's formula. */
export function testImage(batch: number, size: number): tf.Tensor4D {
  const data = new Float32Array(batch * size * size * 3);
  let i = 0;
  for (let b = 0; b < batch; b++)
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        for (let c = 0; c < 3; c++) data[i++] = 0.5 + 0.5 * Math.sin(0.1 * y + 0.17 * x + 0.9 * c + 1.3 * b);
  return tf.tensor4d(data, [batch, size, size, 3]);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
