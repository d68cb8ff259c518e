import * as tf from '@tensorflow/tfjs';
import { VlakitError } from '@vlakit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { AdamW, fusedAdamWStep } from './adamw.js';
import { initBackend } from './init-backend.js';

/** Three steps of AdamW on w (4 values) with loss sum((w - t)^2); returns w after each step. */
function run(options: ConstructorParameters<typeof AdamW>[0]): number[][] {
  const w = tf.tidy(() => tf.variable(tf.tensor1d([0.5, -1, 2, 0]), true, 'adamw_test_w'));
  const t = tf.tensor1d([1, 1, 1, 1]);
  const opt = new AdamW(options);
  const out: number[][] = [];
  for (let s = 0; s < 3; s++) {
    opt.minimize(() => w.sub(t).square().sum() as tf.Scalar);
    out.push(Array.from(w.dataSync()));
  }
  opt.dispose();
  tf.dispose([w, t]);
  return out;
}

/** torch.optim.AdamW's update written out, in doubles. */
function reference(lr: number, wd: number): number[][] {
  const w = [0.5, -1, 2, 0];
  const m = [0, 0, 0, 0];
  const v = [0, 0, 0, 0];
  const out: number[][] = [];
  for (let step = 1; step <= 3; step++) {
    for (let i = 0; i < 4; i++) {
      const g = 2 * (w[i]! - 1);
      w[i]! *= 1 - lr * wd;
      m[i] = 0.9 * m[i]! + 0.1 * g;
      v[i] = 0.999 * v[i]! + 0.001 * g * g;
      w[i]! -= (lr * (m[i]! / (1 - 0.9 ** step))) / (Math.sqrt(v[i]! / (1 - 0.999 ** step)) + 1e-8);
    }
    out.push([...w]);
  }
  return out;
}

afterAll(() => {
  tf.setBackend('cpu');
});

describe('AdamW', () => {
  const expected = reference(0.1, 0.05);
  it.each([
    ['cpu', true, false],
    ['cpu', false, false],
    ['wasm', true, false],
    ['wasm', false, false],
    ['wasm', true, true], // the addon's C loop when it is built
  ] as const)(
    'on %s (fused kernel: %s, native: %s) follows torch.optim.AdamW',
    async (backend, fused, native) => {
      await initBackend(backend, { native });
      const before = tf.memory().numTensors;
      const got = run({ learningRate: 0.1, weightDecay: 0.05, fused });
      expect(tf.memory().numTensors).toBe(before);
      for (let s = 0; s < 3; s++)
        for (let i = 0; i < 4; i++) expect(got[s]![i]!).toBeCloseTo(expected[s]![i]!, 5);
    },
  );
  it('fusedAdamWStep gives the same update for callers with their own state', async () => {
    await initBackend('wasm', { native: false });
    const [p, m, v] = fusedAdamWStep(
      tf.tensor1d([0.5, -1]),
      tf.tensor1d([-1, -4]),
      tf.zeros([2]),
      tf.zeros([2]),
      {
        lr: 0.1,
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-8,
        weightDecay: 0.05,
        step: 1,
      },
    )!;
    const ref = reference(0.1, 0.05)[0]!;
    expect(p.dataSync()[0]).toBeCloseTo(ref[0]!, 5);
    expect(p.dataSync()[1]).toBeCloseTo(ref[1]!, 5);
    expect(Array.from(m.dataSync())).toEqual([-0.10000000149011612, -0.4000000059604645]);
    expect(v.dataSync()[1]).toBeCloseTo(0.016, 6);
  });
  it('rejects out-of-range options, quoting the value', () => {
    const error = (() => {
      try {
        new AdamW({ beta1: 1 });
      } catch (e) {
        return e;
      }
    })();
    expect(VlakitError.isInstance(error, 'config')).toBe(true);
    expect((error as Error).message).toBe('AdamW beta1 (1) is out of range');
  });
});
