import { FUSED_KERNELS, VlakitError } from '@vlakit/core';
import { type Gemm, makeGemm } from './gemm.js';
import { type GruSteps, JS_GRU_STEPS, nativeGruSteps } from './gru-steps.js';
import { type JsKernel, registerJsKernel, sameShape, unregisterJsKernel } from './js-kernel.js';
import type { NativeBlas } from './native-blas.js';

/*
 * The fused GRU sequence (core's FUSED_KERNELS.gruSequence / gruSequenceGrad): all T steps of the
 * Keras reset_after GRU of @vlakit/decoder-gru in one kernel forward and one backward, instead of
 * ~14 tfjs kernels per step each way.
 *
 * Per step, h = h_{t-1} (B, U), x_g = the input projection of gate g at step t (Bx, U):
 *   G   = h [R_z | R_r | R_h]                  (B, 3U)   one gemm
 *   z   = sigmoid(x_z + G_z + b_Rz)            (B, U)
 *   r   = sigmoid(x_r + G_r + b_Rr)            (B, U)
 *   hh  = G_h + b_Rh                           (B, U)
 *   n   = tanh(x_h + r hh)                     (B, U)
 *   h_t = z h + (1 - z) n                      (B, U)
 * Backward, dh = dy_t + dh_{t+1}:
 *   a_z = dh (h - n) z (1 - z)    a_n = dh (1 - z) (1 - n^2)    a_r = a_n hh r (1 - r)    a_h = a_n r
 *   dx_z += a_z   dx_r += a_r   dx_h += a_n   (summed over the broadcast axes of x)
 *   dh_{t-1} = dh z + [a_z | a_r | a_h] [R_z | R_r | R_h]^T      (B, U)   one gemm per step
 * and after the loop, over all steps at once (H = h_0..h_{T-1} (T*B, U), A = the [a_z|a_r|a_h] (T*B, 3U)):
 *   d[R_z | R_r | R_h] = H^T A   (U, 3U)   one gemm;   db_Rg = column sums of A_g
 */

/** A float32 workspace reused across calls (grown when too small). */
let workspace = new Float32Array(0);
function scratch(size: number): Float32Array {
  if (workspace.length < size) workspace = new Float32Array(size);
  return workspace;
}

/** Copies R_z, R_r, R_h (U, U) side by side into ws[at..] as (U, 3U). */
function concatRecurrent(ws: Float32Array, at: number, kernels: Float32Array[], u: number): void {
  for (let i = 0; i < u; i++)
    for (let g = 0; g < 3; g++) ws.set(kernels[g]!.subarray(i * u, (i + 1) * u), at + i * 3 * u + g * u);
}

function checkShapes(shapes: number[][], steps: number): { tx: number; bx: number; b: number; u: number } {
  const [xz, xr, xh, h0, rz, rr, rh, bz, br, bh] = shapes;
  const [b, u] = h0!;
  const [tx, bx] = xz!;
  const ok =
    h0!.length === 2 &&
    xz!.length === 3 &&
    sameShape(xr, xz!) &&
    sameShape(xh, xz!) &&
    xz![2] === u &&
    (tx === 1 || tx === steps) &&
    (bx === 1 || bx === b) &&
    [rz, rr, rh].every((s) => sameShape(s, [u!, u!])) &&
    [bz, br, bh].every((s) => sameShape(s, [u!])) &&
    Number.isInteger(steps) &&
    steps > 0;
  if (!ok) {
    throw new VlakitError(
      'shape',
      `${FUSED_KERNELS.gruSequence}: expected xz/xr/xh (1|${steps}, 1|B, U), h0 (B, U), recurrent kernels (U, U) and biases (U) for steps=${steps}; got ${JSON.stringify(shapes)}`,
    );
  }
  return { tx: tx!, bx: bx!, b: b!, u: u! };
}

/** The forward kernel; `gemm` runs the recurrent products. */
export function gruSequenceKernel(gemm: Gemm, loops: GruSteps = JS_GRU_STEPS): JsKernel {
  return {
    name: FUSED_KERNELS.gruSequence,
    inputs: ['xz', 'xr', 'xh', 'h0', 'rz', 'rr', 'rh', 'bz', 'br', 'bh'],
    outputShapes: (shapes, attrs) => {
      const steps = attrs.steps as number;
      const { b, u } = checkShapes(shapes, steps);
      return [
        [steps, b, u],
        [steps, 4, b, u],
      ];
    },
    run(inputs, [states, cache], shapes, attrs) {
      const [xz, xr, xh, h0, rz, rr, rh, bz, br, bh] = inputs as [Float32Array, ...Float32Array[]];
      const steps = attrs.steps as number;
      const { tx, bx, b, u } = checkShapes(shapes, steps);
      const bu = b * u;
      // workspace: R (U, 3U) | h_{t-1} (B, U) | G (B, 3U)
      const ws = scratch(3 * u * u + bu + 3 * bu);
      const wR = 0;
      const wH = 3 * u * u;
      const wG = wH + bu;
      concatRecurrent(ws, wR, [rz!, rr!, rh!], u);
      ws.set(h0!.subarray(0, bu), wH);
      for (let t = 0; t < steps; t++) {
        gemm(ws, wH, wR, wG, b, 3 * u, u, false, false); // G = h_{t-1} R (B, 3U)
        const xt = (tx === 1 ? 0 : t) * bx * u;
        const xs = (x: Float32Array) => x.subarray(xt, xt + bx * u); // this step's rows (Bx, U)
        loops.gruForwardStep(
          xs(xz!),
          xs(xr!),
          xs(xh!),
          ws.subarray(wG, wG + 3 * bu),
          bz!,
          br!,
          bh!,
          ws.subarray(wH, wH + bu),
          cache!.subarray(t * 4 * bu, (t + 1) * 4 * bu),
          states!.subarray(t * bu, (t + 1) * bu),
          b,
          u,
          bx === 1,
        );
        ws.set(states!.subarray(t * bu, (t + 1) * bu), wH);
      }
    },
  };
}

/** The backward kernel (backpropagation through time over the forward's states and cache). */
export function gruSequenceGradKernel(gemm: Gemm, loops: GruSteps = JS_GRU_STEPS): JsKernel {
  return {
    name: FUSED_KERNELS.gruSequenceGrad,
    inputs: ['dy', 'h0', 'states', 'cache', 'rz', 'rr', 'rh'],
    outputShapes: ([dy, h0, states, cache, rz], attrs) => {
      const [steps, b, u] = dy!;
      const tx = attrs.inputSteps as number;
      const bx = attrs.inputBatch as number;
      const ok =
        dy!.length === 3 &&
        sameShape(h0, [b!, u!]) &&
        sameShape(states, dy!) &&
        sameShape(cache, [steps!, 4, b!, u!]) &&
        sameShape(rz, [u!, u!]) &&
        (tx === 1 || tx === steps) &&
        (bx === 1 || bx === b);
      if (!ok) {
        throw new VlakitError(
          'shape',
          `${FUSED_KERNELS.gruSequenceGrad}: inconsistent shapes dy ${JSON.stringify(dy)}, h0 ${JSON.stringify(h0)}, states ${JSON.stringify(states)}, cache ${JSON.stringify(cache)}, rz ${JSON.stringify(rz)}, inputSteps ${tx}, inputBatch ${bx}`,
        );
      }
      const x = [tx, bx, u!];
      return [x, x, x, [b!, u!], [u!, u!], [u!, u!], [u!, u!], [u!], [u!], [u!]];
    },
    run([dy, h0, states, cache, rz, rr, rh], outs, [dyShape], attrs) {
      const [dxz, dxr, dxh, dh0, drz, drr, drh, dbz, dbr, dbh] = outs as [Float32Array, ...Float32Array[]];
      const [steps, b, u] = dyShape as [number, number, number];
      const tx = attrs.inputSteps as number;
      const bx = attrs.inputBatch as number;
      const bu = b * u;
      const tbu = steps * bu;
      // workspace: R (U, 3U) | H = h_0..h_{T-1} (T, B, U) | A (T, B, 3U) | dh (B, U) | dR (U, 3U)
      const ws = scratch(3 * u * u + tbu + 3 * tbu + bu + 3 * u * u);
      const wR = 0;
      const wH = 3 * u * u;
      const wA = wH + tbu;
      const wD = wA + 3 * tbu;
      const wdR = wD + bu;
      concatRecurrent(ws, wR, [rz!, rr!, rh!], u);
      ws.set(h0!.subarray(0, bu), wH);
      ws.set(states!.subarray(0, tbu - bu), wH + bu);
      ws.fill(0, wD, wD + bu);
      for (const o of [dxz!, dxr!, dxh!, dbz!, dbr!, dbh!]) o.fill(0);
      const dhz = new Float32Array(bu); // dh z: the direct path to h_{t-1}
      for (let t = steps - 1; t >= 0; t--) {
        const xt = (tx === 1 ? 0 : t) * bx * u;
        const xs = (x: Float32Array) => x.subarray(xt, xt + bx * u); // this step's rows (Bx, U)
        loops.gruBackwardStep(
          dy!.subarray(t * bu, (t + 1) * bu),
          ws.subarray(wD, wD + bu),
          cache!.subarray(t * 4 * bu, (t + 1) * 4 * bu),
          ws.subarray(wH + t * bu, wH + (t + 1) * bu),
          ws.subarray(wA + t * 3 * bu, wA + (t + 1) * 3 * bu),
          xs(dxz!),
          xs(dxr!),
          xs(dxh!),
          dhz,
          b,
          u,
          bx === 1,
        );
        gemm(ws, wA + t * 3 * bu, wR, wD, b, u, 3 * u, false, true); // A_t R^T (B, U)
        for (let k = 0; k < bu; k++) ws[wD + k]! += dhz[k]!;
      }
      dh0!.set(ws.subarray(wD, wD + bu));
      gemm(ws, wH, wA, wdR, u, 3 * u, steps * b, true, false); // H^T A (U, 3U)
      const dR = [drz!, drr!, drh!];
      for (let i = 0; i < u; i++)
        for (let g = 0; g < 3; g++)
          dR[g]!.set(ws.subarray(wdR + i * 3 * u + g * u, wdR + i * 3 * u + (g + 1) * u), i * u);
      const db = [dbz!, dbr!, dbh!];
      for (let row = 0; row < steps * b; row++) {
        const aRow = wA + row * 3 * u;
        for (let g = 0; g < 3; g++) for (let j = 0; j < u; j++) db[g]![j]! += ws[aRow + g * u + j]!;
      }
    },
  };
}

/**
 * Registers the fused GRU sequence kernels for wasm and cpu, with the OpenBLAS addon's sgemm for
 * the recurrent products and its C step loops (native/vlakit_gru.c) when given, else JavaScript
 * loops (replacing earlier registrations, so the latest call's choice holds). From then on @vlakit/decoder-gru's `gruSequence` uses them.
 */
export function registerGruKernels(options: { native?: NativeBlas } = {}): void {
  unregisterGruKernels();
  const gemm = makeGemm(options.native);
  const steps = nativeGruSteps(options.native) ?? JS_GRU_STEPS;
  registerJsKernel(gruSequenceKernel(gemm, steps));
  registerJsKernel(gruSequenceGradKernel(gemm, steps));
}

/** Removes the fused GRU sequence kernels from wasm and cpu (the decoder composes tfjs ops again). */
export function unregisterGruKernels(): void {
  unregisterJsKernel(FUSED_KERNELS.gruSequence);
  unregisterJsKernel(FUSED_KERNELS.gruSequenceGrad);
}
