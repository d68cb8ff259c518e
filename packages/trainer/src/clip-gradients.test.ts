import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { clipByGlobalNorm } from './clip-gradients.js';

describe('clipByGlobalNorm', () => {
  it('scales every gradient by maxNorm / globalNorm when the norm is larger', () => {
    const grads = new Map<string, tf.Tensor>([
      ['a', tf.tensor1d([3, 0])],
      ['b', tf.tensor2d([[0, 4]])],
    ]); // global norm 5
    const { grads: out, norm } = clipByGlobalNorm(grads, 1);
    expect(norm.dataSync()[0]).toBeCloseTo(5, 6);
    expect([...out.get('a')!.dataSync()]).toEqual([expect.closeTo(0.6, 6), 0]);
    expect([...out.get('b')!.dataSync()]).toEqual([0, expect.closeTo(0.8, 6)]);
  });

  it('leaves gradients under the limit (and with clipping off) unchanged', () => {
    const grads = new Map([['a', tf.tensor1d([0.3, 0.4])]]);
    expect([...clipByGlobalNorm(grads, 1).grads.get('a')!.dataSync()]).toEqual([
      expect.closeTo(0.3, 6),
      expect.closeTo(0.4, 6),
    ]);
    expect([
      ...clipByGlobalNorm(new Map([['a', tf.tensor1d([30, 40])]]), 0)
        .grads.get('a')!
        .dataSync(),
    ]).toEqual([30, 40]);
  });

  it('leaks no tensors beyond the returned ones', () => {
    const grads = new Map([['a', tf.tensor1d([3, 4])]]);
    const before = tf.memory().numTensors;
    const r = clipByGlobalNorm(grads, 1);
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose([r.norm, ...r.grads.values()]);
  });
});
