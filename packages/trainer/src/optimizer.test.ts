import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Optimizer } from './optimizer.js';
import { optimizerConfigSchema } from './training-config.js';

const cfg = (o: Record<string, unknown>) => optimizerConfigSchema.parse(o);

function run(
  type: 'sgd' | 'adam' | 'adamw',
  extra: Record<string, unknown>,
  gradsSeq: number[],
  w0: number,
  lr: number,
) {
  const w = tf.variable(tf.tensor1d([w0]));
  const opt = new Optimizer(cfg({ type, ...extra }));
  for (const g of gradsSeq) opt.apply(new Map([['s/w', w]]), new Map([['s/w', tf.tensor1d([g])]]), lr);
  return { w: w.dataSync()[0]!, opt };
}

describe('Optimizer', () => {
  it('SGD: w -= lr g; with momentum m = mu m + g', () => {
    expect(run('sgd', {}, [2, -1], 1, 0.1).w).toBeCloseTo(1 - 0.2 + 0.1, 6);
    // m1 = 2, w = 1 - 0.2 = 0.8; m2 = 0.9*2 - 1 = 0.8, w = 0.8 - 0.08 = 0.72
    expect(run('sgd', { momentum: 0.9 }, [2, -1], 1, 0.1).w).toBeCloseTo(0.72, 6);
  });

  it('Adam: bias-corrected update by hand for two steps', () => {
    const b1 = 0.9;
    const b2 = 0.999;
    const eps = 1e-8;
    let m = 0;
    let v = 0;
    let w = 1;
    const g = [0.5, -0.25];
    g.forEach((gi, i) => {
      const t = i + 1;
      m = b1 * m + (1 - b1) * gi;
      v = b2 * v + (1 - b2) * gi * gi;
      w -= (0.01 * (m / (1 - b1 ** t))) / (Math.sqrt(v / (1 - b2 ** t)) + eps);
    });
    expect(run('adam', { weightDecay: 0.5 }, g, 1, 0.01).w).toBeCloseTo(w, 6); // adam ignores weightDecay
  });

  it('AdamW: decoupled decay w *= 1 - lr wd, then the Adam step', () => {
    let m = 0;
    let v = 0;
    let w = 2;
    const lr = 0.1;
    const wd = 0.2;
    [1, 1].forEach((gi, i) => {
      const t = i + 1;
      m = 0.9 * m + 0.1 * gi;
      v = 0.999 * v + 0.001 * gi * gi;
      w = w * (1 - lr * wd) - (lr * (m / (1 - 0.9 ** t))) / (Math.sqrt(v / (1 - 0.999 ** t)) + 1e-8);
    });
    const got = run('adamw', { weightDecay: wd }, [1, 1], 2, lr).w;
    expect(got).toBeCloseTo(w, 5);
    // with zero gradient only the decay acts (the Adam step is 0/eps = 0)
    expect(run('adamw', { weightDecay: wd }, [0], 2, lr).w).toBeCloseTo(2 * (1 - lr * wd), 6);
  });

  it('per-variable scale 0 skips a variable; state round-trips exactly', () => {
    const a = tf.variable(tf.tensor1d([1]));
    const b = tf.variable(tf.tensor1d([1]));
    const opt = new Optimizer(cfg({ type: 'adam' }));
    const vars = new Map([
      ['frozen/w', a],
      ['live/w', b],
    ]);
    opt.apply(
      vars,
      new Map([
        ['frozen/w', tf.tensor1d([1])],
        ['live/w', tf.tensor1d([1])],
      ]),
      0.1,
      (n) => (n.startsWith('frozen') ? 0 : 1),
    );
    expect(a.dataSync()[0]).toBe(1);
    expect(b.dataSync()[0]).toBeLessThan(1);
    const state = opt.getState();
    expect(state.step).toBe(1);
    expect([...state.slots.keys()].sort()).toEqual(['m/live/w', 'v/live/w']);
    const copy = new Optimizer(cfg({ type: 'adam' }));
    copy.setState(state);
    const b2 = tf.variable(b.clone());
    opt.apply(new Map([['live/w', b]]), new Map([['live/w', tf.tensor1d([0.3])]]), 0.1);
    copy.apply(new Map([['live/w', b2]]), new Map([['live/w', tf.tensor1d([0.3])]]), 0.1);
    expect(b2.dataSync()[0]).toBe(b.dataSync()[0]);
  });
});
