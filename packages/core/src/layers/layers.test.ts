import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { dense } from './dense.js';
import { geluErf } from './gelu.js';
import { layerNorm } from './layer-norm.js';
import { multiHeadAttention } from './multi-head-attention.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) =>
  expect(Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]!)))).toBeLessThan(tol);

describe('shared layers', () => {
  it('dense applies x W + b over the last axis of any rank', () => {
    const x = tf.tensor3d([1, 2, 3, 4, 5, 6], [1, 2, 3]);
    const kernel = tf.tensor2d([1, 0, 0, 1, 1, 1], [3, 2]);
    const y = dense(x, { kernel, bias: tf.tensor1d([10, 20]) });
    expect(y.shape).toEqual([1, 2, 2]);
    expect(Array.from(y.dataSync())).toEqual([14, 25, 20, 31]);
  });

  it('layerNorm uses the biased variance and the given epsilon', () => {
    const x = tf.tensor2d([1, 2, 3, 4], [1, 4]);
    const y = layerNorm(x, { gamma: tf.tensor1d([1, 1, 2, 2]), beta: tf.tensor1d([0, 0, 0, 1]) }, 1e-5);
    const sd = Math.sqrt(1.25 + 1e-5);
    close(y.dataSync(), [-1.5 / sd, -0.5 / sd, (2 * 0.5) / sd, (2 * 1.5) / sd + 1]);
  });

  it('geluErf is the exact GELU', () => {
    const y = geluErf(tf.tensor1d([-1, 0, 1, 2])).dataSync();
    close(y, [-0.15865525, 0, 0.84134475, 1.95449974]);
  });

  it('multiHeadAttention gives masked keys zero weight and rows that sum to 1', () => {
    const d = 4;
    const eye = tf.eye(d);
    const w = { kernel: eye, bias: tf.zeros([d]) };
    const x = tf.randomNormal([2, 3, d], 0, 1, 'float32', 1);
    const mask = tf.tensor2d([1, 1, 0, 1, 0, 0], [2, 3]);
    const { output, probabilities } = multiHeadAttention(
      x,
      x,
      { query: w, key: w, value: w, output: w },
      2,
      mask,
    );
    expect(output.shape).toEqual([2, 3, d]);
    expect(probabilities.shape).toEqual([2, 2, 3, 3]);
    const p = probabilities.arraySync() as number[][][][];
    for (const row of p[0]![1]!) expect(row[2]).toBe(0);
    for (const row of p[1]![0]!) expect(row).toEqual([1, 0, 0]);
    close(probabilities.sum(-1).dataSync(), new Array(12).fill(1));
    // with one visible key, the output is that key's value (identity projections)
    close(output.slice([1, 0, 0], [1, 1, d]).dataSync(), x.slice([1, 0, 0], [1, 1, d]).dataSync());
  });
});
