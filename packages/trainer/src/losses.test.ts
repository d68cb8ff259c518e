import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { bceWithLogits, maskedActionLoss } from './losses.js';

describe('maskedActionLoss', () => {
  const pred = () =>
    tf.tensor3d([
      [
        [1, 2],
        [3, 4],
      ],
      [
        [0, 0],
        [5, -1],
      ],
    ]); // (2, 2, 2)
  const target = () =>
    tf.tensor3d([
      [
        [0, 2],
        [1, 1],
      ],
      [
        [1, 1],
        [0, 0],
      ],
    ]);
  const mask = () =>
    tf.tensor2d([
      [1, 1],
      [1, 0],
    ]);

  it('MSE averages squared errors over the valid steps only', () => {
    // valid: (1,0)->1,(0)->0 ; (2,3)->4,9 ; (-1,-1)->1,1 => (1+0+4+9+1+1)/6
    const loss = maskedActionLoss(pred(), target(), mask(), 'mse');
    expect(loss.dataSync()[0]).toBeCloseTo(16 / 6, 6);
  });

  it('L1 averages absolute errors over the valid steps only', () => {
    // |1|+|0|+|2|+|3|+|1|+|1| = 8 over 6
    const loss = maskedActionLoss(pred(), target(), mask(), 'l1');
    expect(loss.dataSync()[0]).toBeCloseTo(8 / 6, 6);
  });

  it('ignores whatever the masked steps predict', () => {
    const p2 = tf.tensor3d([
      [
        [1, 2],
        [3, 4],
      ],
      [
        [0, 0],
        [500, -100],
      ],
    ]);
    expect(maskedActionLoss(p2, target(), mask()).dataSync()[0]).toBeCloseTo(16 / 6, 6);
  });

  it('is 0 (not NaN) when every step is masked', () => {
    expect(maskedActionLoss(pred(), target(), tf.zeros([2, 2])).dataSync()[0]).toBe(0);
  });
});

describe('bceWithLogits', () => {
  it('matches -[z log s(x) + (1-z) log(1-s(x))] averaged over the batch', () => {
    const x = [2, -1, 0, 30];
    const z = [1, 0, 1, 0];
    const s = (v: number) => 1 / (1 + Math.exp(-v));
    const loss = bceWithLogits(tf.tensor2d(x, [4, 1]), tf.tensor1d(z));
    // x = 30, z = 0 contributes -log(1 - s(30)) = 30 + log(1 + e^-30) ~ 30 (stable form, no overflow)
    expect(loss.dataSync()[0]).toBeCloseTo((-Math.log(s(2)) - Math.log(1 - s(-1)) + Math.log(2) + 30) / 4, 4);
  });
});
