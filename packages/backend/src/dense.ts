import { FUSED_KERNELS, VlakitError } from '@vlakit/core';
import { type JsKernel, registerJsKernel, unregisterJsKernel } from './js-kernel.js';
import type { NativeFused } from './native-fused.js';

/*
 * The fused dense layer (core's FUSED_KERNELS.dense / denseGrad): y = x W + b in one kernel
 * forward and one backward, instead of Reshape, MatMul, Add, Reshape forward and their gradients
 * (Sum for the bias, two MatMuls, Reshapes) plus the engine's copies of every saved input: about
 * 16 kernel calls per layer become 4. native/vlakit_dense.c runs it on OpenBLAS sgemm; these loops
 * are its reference and the cpu backend's implementation.
 */

/** y (rows, out) = x (rows, in) kernel (in, out) + bias (out), float64 sums. */
export function denseLoop(
  x: Float32Array,
  kernel: Float32Array,
  bias: Float32Array | null,
  y: Float32Array,
  out: number,
): void {
  const inDim = kernel.length / out;
  const rows = x.length / inDim;
  const acc = new Float64Array(out);
  for (let r = 0; r < rows; r++) {
    if (bias === null) acc.fill(0);
    else for (let j = 0; j < out; j++) acc[j] = bias[j]!;
    for (let i = 0; i < inDim; i++) {
      const xi = x[r * inDim + i]!;
      const w = i * out;
      for (let j = 0; j < out; j++) acc[j]! += xi * kernel[w + j]!;
    }
    y.set(acc, r * out);
  }
}

/** dx = dy kernel^T, dkernel = x^T dy, dbias = column sums of dy (all overwritten). */
export function denseGradLoop(
  dy: Float32Array,
  x: Float32Array,
  kernel: Float32Array,
  dx: Float32Array,
  dkernel: Float32Array,
  dbias: Float32Array,
): void {
  const out = dbias.length;
  const inDim = kernel.length / out;
  const rows = x.length / inDim;
  const dk = new Float64Array(kernel.length);
  const db = new Float64Array(out);
  for (let r = 0; r < rows; r++) {
    const d = r * out;
    for (let j = 0; j < out; j++) db[j]! += dy[d + j]!;
    for (let i = 0; i < inDim; i++) {
      const xi = x[r * inDim + i]!;
      const w = i * out;
      let s = 0;
      for (let j = 0; j < out; j++) {
        s += dy[d + j]! * kernel[w + j]!;
        dk[w + j]! += xi * dy[d + j]!;
      }
      dx[r * inDim + i] = s;
    }
  }
  dkernel.set(dk);
  dbias.set(db);
}

type Loops = Pick<NativeFused, 'dense' | 'denseGrad'>;

function checkShapes(x: number[], kernel: number[], bias: number[] | undefined): void {
  const ok =
    x.length >= 1 &&
    kernel.length === 2 &&
    x.at(-1) === kernel[0] &&
    (bias === undefined || bias.length === 0 || (bias.length === 1 && bias[0] === kernel[1]));
  if (!ok) {
    throw new VlakitError(
      'shape',
      `${FUSED_KERNELS.dense}: expected x (..., In), kernel (In, Out), bias (Out); got x ${JSON.stringify(x)}, kernel ${JSON.stringify(kernel)}, bias ${JSON.stringify(bias)}`,
    );
  }
}

/** The forward and gradient kernels (core's FUSED_KERNELS contracts) running `loops`. */
export function denseKernels(loops: Loops): JsKernel[] {
  return [
    {
      name: FUSED_KERNELS.dense,
      inputs: ['x', 'kernel', 'bias'],
      outputShapes: ([x, kernel, bias]) => {
        checkShapes(x!, kernel!, bias);
        return [[...x!.slice(0, -1), kernel![1]!]];
      },
      run: ([x, kernel, bias], [y], shapes) =>
        loops.dense(x!, kernel!, bias!.length === 0 ? null : bias!, y!, shapes[1]![1]!),
    },
    {
      name: FUSED_KERNELS.denseGrad,
      inputs: ['dy', 'x', 'kernel'],
      outputShapes: ([, x, kernel]) => [x!, kernel!, [kernel![1]!]],
      run: ([dy, x, kernel], [dx, dkernel, dbias]) =>
        loops.denseGrad(dy!, x!, kernel!, dx!, dkernel!, dbias!),
    },
  ];
}

/**
 * Registers the fused dense kernels for wasm and cpu, with the C version of the OpenBLAS addon when
 * `native` is given, else the JavaScript loops (replacing earlier registrations). From then on
 * core's `dense`, and so every stage's projections, use them.
 */
export function registerDenseKernels(options: { native?: NativeFused | undefined } = {}): void {
  unregisterDenseKernels();
  const loops = options.native ?? { dense: denseLoop, denseGrad: denseGradLoop };
  for (const k of denseKernels(loops)) registerJsKernel(k);
}

/** Removes the fused dense kernels from wasm and cpu (core composes tfjs ops again). */
export function unregisterDenseKernels(): void {
  unregisterJsKernel(FUSED_KERNELS.dense);
  unregisterJsKernel(FUSED_KERNELS.denseGrad);
}
