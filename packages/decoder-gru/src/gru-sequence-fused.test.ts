import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { initBackend, loadNativeBlas, registerGruKernels, unregisterGruKernels } from '@vlakit/backend';
import { FUSED_KERNELS } from '@vlakit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { gruSequence, gruSequenceComposed, type PerGate } from './gru-cell.js';

/*
 * The fused GRU sequence kernels (@vlakit/backend) give the composed steps' values and gradients
 * for every input, for the broadcast shapes the decoder builds (stepInput 'both' (T, B, U),
 * 'queries' (T, 1, U), 'fused' (1, B, U)), on cpu and wasm, with OpenBLAS and with JS loops.
 */

const T = 5;
const B = 3;
const U = 6;

function values(shape: number[], seed: number, amp = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.37 + seed * 2.1) * amp),
    shape,
  );
}

/** Inputs: xz, xr, xh, h0, rz, rr, rh, bz, br, bh. */
function inputs(xShape: number[]): tf.Tensor[] {
  return [
    values(xShape, 1, 1.5),
    values(xShape, 2, 1.5),
    values(xShape, 3, 1.5),
    values([B, U], 4, 0.8),
    values([U, U], 5, 0.6),
    values([U, U], 6, 0.6),
    values([U, U], 7, 0.6),
    values([U], 8, 0.3),
    values([U], 9, 0.3),
    values([U], 10, 0.3),
  ];
}

type Sequence = typeof gruSequence;
const call =
  (f: Sequence) =>
  (xz: tf.Tensor, xr: tf.Tensor, xh: tf.Tensor, h0: tf.Tensor, ...w: tf.Tensor[]) => {
    const x: PerGate = { z: xz, r: xr, h: xh };
    const [rz, rr, rh, bz, br, bh] = w;
    return f(
      x,
      h0,
      { recurrentKernel: { z: rz!, r: rr!, h: rh! }, recurrentBias: { z: bz!, r: br!, h: bh! } },
      T,
    );
  };

/** The value and the gradients of sum(f(...) * weights) for every input, as flat arrays. */
function valueAndGrads(f: Sequence, ins: tf.Tensor[]): Float32Array[] {
  return tf.tidy(() => {
    const g = call(f);
    const y = g(...(ins as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]));
    const w = values(y.shape, 99);
    const { grads } = tf.valueAndGrads(
      (...xs: tf.Tensor[]) =>
        g(...(xs as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]))
          .mul(w)
          .sum() as tf.Scalar,
    )(ins);
    return [y.dataSync() as Float32Array, ...grads.map((d) => d.dataSync() as Float32Array)];
  });
}

/** Largest |a - b| / (1 + |b|). */
const maxDiff = (a: Float32Array[], b: Float32Array[]) =>
  Math.max(
    ...a.map((row, i) => {
      expect(row.length).toBe(b[i]!.length);
      return Math.max(...Array.from(row, (v, j) => Math.abs(v - b[i]![j]!) / (1 + Math.abs(b[i]![j]!))));
    }),
  );

/** Runs the fused path (checking that its kernels ran) and the composed one. */
function compare(xShape: number[]): number {
  const ins = inputs(xShape);
  const calls: string[] = [];
  const engine = tf.engine();
  const run = engine.runKernel.bind(engine);
  engine.runKernel = ((name: string, ...rest: unknown[]) => {
    calls.push(name);
    return (run as (...a: unknown[]) => unknown)(name, ...rest);
  }) as typeof run;
  let fused: Float32Array[];
  try {
    fused = valueAndGrads(gruSequence, ins);
  } finally {
    engine.runKernel = run;
  }
  expect(calls).toContain(FUSED_KERNELS.gruSequence);
  expect(calls).toContain(FUSED_KERNELS.gruSequenceGrad);
  const composed = valueAndGrads(gruSequenceComposed, ins);
  tf.dispose(ins);
  return maxDiff(fused, composed);
}

const shapes: Array<[string, number[]]> = [
  ['both', [T, B, U]],
  ['queries', [T, 1, U]],
  ['fused', [1, B, U]],
];

describe('fused GRU sequence kernels', () => {
  afterAll(async () => {
    unregisterGruKernels();
    await tf.setBackend('cpu');
  });

  it.each(shapes)(
    'cpu, JS gemm, stepInput %s: values and gradients match the composed steps',
    async (_, shape) => {
      await tf.setBackend('cpu');
      registerGruKernels();
      expect(compare(shape)).toBeLessThan(1e-5);
    },
  );

  const blas = loadNativeBlas().loaded;
  it.skipIf(!blas).each(shapes)(
    'wasm via initBackend with the OpenBLAS addon, stepInput %s',
    async (_, shape) => {
      const info = await initBackend('wasm');
      expect(info.kernels).toContain(FUSED_KERNELS.gruSequence);
      expect(compare(shape)).toBeLessThan(1e-5);
    },
  );

  it.skipIf(blas)(
    'without the addon initBackend leaves the GRU composed (JS matmuls would be slower)',
    async () => {
      const info = await initBackend('wasm');
      expect(info.kernels).not.toContain(FUSED_KERNELS.gruSequence);
    },
  );

  it.each(shapes)('wasm, JS gemm, stepInput %s', async (_, shape) => {
    await tf.setBackend('wasm');
    registerGruKernels();
    expect(compare(shape)).toBeLessThan(1e-5);
  });

  it('falls back to the composed steps when the kernels are not registered', async () => {
    await tf.setBackend('cpu');
    unregisterGruKernels();
    const ins = inputs([T, B, U]);
    const y = call(gruSequence)(...(ins as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]));
    expect(y.shape).toEqual([T, B, U]);
    tf.dispose([y, ...ins]);
  });

  it('rejects inconsistent shapes with an explicit error', async () => {
    await tf.setBackend('cpu');
    registerGruKernels();
    const ins = inputs([T, B, U]);
    const bad = [values([2, B, U], 1), ...ins.slice(1)];
    expect(() =>
      tf
        .engine()
        .runKernel(
          FUSED_KERNELS.gruSequence,
          Object.fromEntries(
            ['xz', 'xr', 'xh', 'h0', 'rz', 'rr', 'rh', 'bz', 'br', 'bh'].map((n, i) => [n, bad[i]!]),
          ),
          { steps: T } as never,
        ),
    ).toThrow(/expected xz\/xr\/xh/);
    tf.dispose([...ins, bad[0]!]);
  });
});
