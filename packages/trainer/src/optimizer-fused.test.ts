import * as tf from '@tensorflow/tfjs';
import { registerAdamWKernels } from '@vlakit/backend';
import { FUSED_KERNELS, hasKernels } from '@vlakit/core';
import { describe, expect, it } from 'vitest';
import { Optimizer } from './optimizer.js';
import { optimizerConfigSchema } from './training-config.js';

/** Five updates of two variables with per-variable scales; returns the weights and slots. */
function train(type: 'adam' | 'adamw'): Float32Array[] {
  const vars = new Map<string, tf.Variable>([
    ['a/w', tf.variable(tf.tensor2d([0.5, -1, 2, 0.25, -0.75, 1.5], [2, 3]))],
    ['b/w', tf.variable(tf.tensor1d([1, -2, 3]))],
  ]);
  const opt = new Optimizer(optimizerConfigSchema.parse({ type, weightDecay: 0.1 }));
  for (let s = 0; s < 5; s++) {
    const grads = new Map(
      [...vars].map(([n, v]) => [n, tf.tidy(() => tf.sin(v.mul(s + 1.3)))] as const), // like each variable
    );
    opt.apply(vars, grads, 0.05, (n) => (n === 'b/w' ? 0.5 : 1));
    tf.dispose([...grads.values()]);
  }
  const state = opt.getState();
  const out = [
    ...[...vars.values()].map((v) => v.dataSync() as Float32Array),
    ...[...state.slots.values()].map((x) => x.data),
  ];
  tf.dispose([...vars.values()]);
  return out;
}

describe('Optimizer with the fused AdamW kernel of @vlakit/backend', () => {
  it.each(['adam', 'adamw'] as const)('%s: weights and slots equal the composed update', async (type) => {
    await tf.setBackend('cpu');
    expect(hasKernels(FUSED_KERNELS.adamw)).toBe(false); // nothing registered it yet in this file
    const composed = train(type);
    registerAdamWKernels();
    expect(hasKernels(FUSED_KERNELS.adamw)).toBe(true);
    const fused = train(type);
    tf.unregisterKernel(FUSED_KERNELS.adamw, 'cpu');
    tf.unregisterKernel(FUSED_KERNELS.adamw, 'wasm');
    expect(fused.length).toBe(composed.length);
    fused.forEach((row, i) => {
      row.forEach((v, j) => expect(Math.abs(v - composed[i]![j]!)).toBeLessThan(1e-6));
    });
  });
});
