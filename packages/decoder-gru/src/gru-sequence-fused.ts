import * as tf from '@tensorflow/tfjs';
import { FUSED_KERNELS, hasKernels, runKernel } from '@vlakit/core';
import type { GruRecurrentWeights, PerGate } from './gru-cell.js';

/*
 * `gruSequence` as one fused kernel forward and one backward (core's FUSED_KERNELS.gruSequence and
 * gruSequenceGrad, registered by @vlakit/backend for wasm and cpu): the same math as the composed
 * steps of gru-cell.ts, without ~14 tfjs kernel calls per step each way.
 */

/**
 * True when the active backend has the fused kernels and the inputs fit their contract: float32,
 * xz/xr/xh one shape (1|T, 1|B, U), h0 (B, U), R_g (U, U), b_Rg (U).
 */
export function canFuseGruSequence(
  xProjected: PerGate,
  h0: tf.Tensor,
  w: GruRecurrentWeights,
  steps: number,
): boolean {
  const x = xProjected.z;
  const [b, u] = h0.shape;
  const sameShape = (t: tf.Tensor, shape: readonly number[]) =>
    t.dtype === 'float32' && t.rank === shape.length && t.shape.every((d, i) => d === shape[i]);
  return (
    h0.rank === 2 &&
    h0.dtype === 'float32' &&
    x.rank === 3 &&
    x.dtype === 'float32' &&
    (x.shape[0] === 1 || x.shape[0] === steps) &&
    (x.shape[1] === 1 || x.shape[1] === b) &&
    x.shape[2] === u &&
    sameShape(xProjected.r, x.shape) &&
    sameShape(xProjected.h, x.shape) &&
    (['z', 'r', 'h'] as const).every(
      (g) => sameShape(w.recurrentKernel[g], [u!, u!]) && sameShape(w.recurrentBias[g], [u!]),
    ) &&
    Number.isInteger(steps) &&
    steps > 0 &&
    hasKernels(FUSED_KERNELS.gruSequence, FUSED_KERNELS.gruSequenceGrad)
  );
}

/** The fused `gruSequence`: h_1..h_T (T, B, U); check `canFuseGruSequence` first. */
export function gruSequenceFused(
  xProjected: PerGate,
  h0: tf.Tensor,
  w: GruRecurrentWeights,
  steps: number,
): tf.Tensor {
  const [inputSteps, inputBatch] = xProjected.z.shape as [number, number, number];
  const { recurrentKernel: rk, recurrentBias: rb } = w;
  const op = tf.customGrad(((
    xz: tf.Tensor,
    xr: tf.Tensor,
    xh: tf.Tensor,
    h: tf.Tensor,
    rz: tf.Tensor,
    rr: tf.Tensor,
    rh: tf.Tensor,
    bz: tf.Tensor,
    br: tf.Tensor,
    bh: tf.Tensor,
    save: tf.GradSaveFunc,
  ) => {
    // states (T, B, U), cache (T, 4, B, U): z, r, n, h_{t-1} R_h + b_Rh per step
    const [states, cache] = runKernel(
      FUSED_KERNELS.gruSequence,
      { xz, xr, xh, h0: h, rz, rr, rh, bz, br, bh },
      { steps },
    );
    save([h, states!, cache!, rz, rr, rh]);
    return {
      value: states!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sh0, sStates, sCache, srz, srr, srh] = saved;
        // dxz, dxr, dxh (Tx, Bx, U), dh0 (B, U), drz, drr, drh (U, U), dbz, dbr, dbh (U)
        return runKernel(
          FUSED_KERNELS.gruSequenceGrad,
          { dy, h0: sh0!, states: sStates!, cache: sCache!, rz: srz!, rr: srr!, rh: srh! },
          { inputSteps, inputBatch },
        );
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(xProjected.z, xProjected.r, xProjected.h, h0, rk.z, rk.r, rk.h, rb.z, rb.r, rb.h);
}
