import * as tf from '@tensorflow/tfjs';
import { FUSED_KERNELS, hasKernels, quote, runKernel, VlakitError } from '@vlakit/core';
import type { OptimizerConfig } from './training-config.js';

/**
 * SGD (with optional momentum), Adam and AdamW, written out so their state is plain named
 * tensors (checkpointed exactly) and every variable can carry its own learning-rate scale.
 *
 *   sgd:   m = mu m + g;  w -= lr m            (mu = 0: w -= lr g)
 *   adam:  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
 *          w -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
 *   adamw: adam's update plus decoupled weight decay: w -= lr * wd * w (applied to the
 *          weights before the adaptive step, as in Loshchilov & Hutter / PyTorch AdamW).
 */
export class Optimizer {
  /** Completed update steps. */
  private t = 0;
  private readonly slots = new Map<string, tf.Variable>();

  constructor(readonly config: OptimizerConfig) {}

  get step(): number {
    return this.t;
  }

  /**
   * One update of `vars` with `grads` (same names). `lr` is the scheduled rate; `scale(name)`
   * multiplies it per variable (per-stage multipliers; 0 skips the variable).
   */
  apply(
    vars: ReadonlyMap<string, tf.Variable>,
    grads: ReadonlyMap<string, tf.Tensor>,
    lr: number,
    scale: (name: string) => number = () => 1,
  ): void {
    this.t += 1;
    const { type, beta1: b1, beta2: b2, epsilon: eps, momentum: mu, weightDecay: wd } = this.config;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    for (const [name, g] of grads) {
      const w = vars.get(name);
      if (w === undefined) throw new VlakitError('training', `gradient for unknown variable ${quote(name)}`);
      const rate = lr * scale(name);
      if (rate === 0) continue;
      tf.tidy(() => {
        if (type === 'sgd') {
          if (mu === 0) {
            w.assign(tf.sub(w, tf.mul(g, rate)));
            return;
          }
          const m = this.slot(`m/${name}`, w);
          m.assign(tf.add(tf.mul(m, mu), g));
          w.assign(tf.sub(w, tf.mul(m, rate)));
          return;
        }
        const m = this.slot(`m/${name}`, w);
        const v = this.slot(`v/${name}`, w);
        if (w.dtype === 'float32' && hasKernels(FUSED_KERNELS.adamw)) {
          // one fused kernel (registered by @vlakit/backend) instead of about a dozen tfjs ops
          const [p, m1, v1] = runKernel(
            FUSED_KERNELS.adamw,
            { param: w, grad: g, m, v },
            {
              lr: rate,
              beta1: b1,
              beta2: b2,
              epsilon: eps,
              weightDecay: type === 'adamw' ? wd : 0,
              step: this.t,
            },
          ); // each like w
          w.assign(p!);
          m.assign(m1!);
          v.assign(v1!);
          return;
        }
        m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1))); // like w
        v.assign(tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2))); // like w
        const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), eps)); // like w
        const decayed = type === 'adamw' && wd > 0 ? tf.mul(w, 1 - rate * wd) : w;
        w.assign(tf.sub(decayed, tf.mul(update, rate)));
      });
    }
  }

  private slot(key: string, like: tf.Variable): tf.Variable {
    let s = this.slots.get(key);
    if (s === undefined) {
      s = tf.variable(tf.zerosLike(like), false, undefined, 'float32');
      this.slots.set(key, s);
    }
    return s;
  }

  /** The state to checkpoint: the step count and each slot's values. */
  getState(): { step: number; slots: Map<string, { shape: number[]; data: Float32Array }> } {
    const slots = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [k, v] of this.slots)
      slots.set(k, { shape: [...v.shape], data: v.dataSync() as Float32Array });
    return { step: this.t, slots };
  }

  setState(state: {
    step: number;
    slots: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>;
  }): void {
    this.disposeSlots();
    this.t = state.step;
    for (const [k, s] of state.slots)
      this.slots.set(k, tf.variable(tf.tensor(s.data, [...s.shape], 'float32'), false));
  }

  private disposeSlots(): void {
    for (const s of this.slots.values()) s.dispose();
    this.slots.clear();
  }

  dispose(): void {
    this.disposeSlots();
  }
}
