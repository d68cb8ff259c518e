import type { NativeBlas } from './native-blas.js';

/**
 * The fused kernels' loops in C (native/vlakit_fused.c, vlakit_dense.c and vlakit_attention.c,
 * compiled into the OpenBLAS addon). Each
 * takes Float32Arrays (wasm heap views or plain arrays) and writes its outputs in place, with the
 * contracts of core's FUSED_KERNELS; a wrong length is a RangeError naming the array.
 */
export interface NativeFused {
  /** y = x Phi(x), cdf = Phi(x) = 0.5 (1 + erf(x / sqrt 2)). */
  gelu(x: Float32Array, y: Float32Array, cdf: Float32Array): void;
  /** dx = dy (cdf + x phi(x)). */
  geluGrad(dy: Float32Array, x: Float32Array, cdf: Float32Array, dx: Float32Array): void;
  /** LayerNorm over the last axis (gamma's length): y, and per row mean and 1/sqrt(var + epsilon). */
  layerNorm(
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    y: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    epsilon: number,
  ): void;
  /** dx, dgamma, dbeta of `layerNorm` (dgamma and dbeta are overwritten, not accumulated). */
  layerNormGrad(
    dy: Float32Array,
    x: Float32Array,
    gamma: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    dx: Float32Array,
    dgamma: Float32Array,
    dbeta: Float32Array,
  ): void;
  /**
   * One AdamW update (torch.optim.AdamW, decoupled decay first) into paramOut, mOut, vOut; `step`
   * is 1-based (bias corrections).
   */
  adamw(
    param: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    paramOut: Float32Array,
    mOut: Float32Array,
    vOut: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    weightDecay: number,
    step: number,
  ): void;
  /** y (rows, out) = x (rows, in) kernel (in, out) [+ bias (out)] on OpenBLAS sgemm. */
  dense(x: Float32Array, kernel: Float32Array, bias: Float32Array | null, y: Float32Array, out: number): void;
  /** dx = dy kernel^T, dkernel = x^T dy, dbias = column sums of dy. */
  denseGrad(
    dy: Float32Array,
    x: Float32Array,
    kernel: Float32Array,
    dx: Float32Array,
    dkernel: Float32Array,
    dbias: Float32Array,
  ): void;
  /**
   * Multi-head attention (core's FUSED_KERNELS.attention): q (B, Lq, D), k and v (B, Lk, D), mask
   * (B, Lk) or null -> context (B, Lq, D) and probs (B, H, Lq, Lk).
   */
  attention(
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    mask: Float32Array | null,
    context: Float32Array,
    probs: Float32Array,
    batch: number,
    lq: number,
    lk: number,
    heads: number,
    zeroMasked: boolean,
  ): void;
  /** dq, dk, dv of `attention` from dy (B, Lq, D), dprobs and the forward's probs (B, H, Lq, Lk). */
  attentionGrad(
    dy: Float32Array,
    dprobs: Float32Array,
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    probs: Float32Array,
    dq: Float32Array,
    dk: Float32Array,
    dv: Float32Array,
    batch: number,
    lq: number,
    lk: number,
    heads: number,
  ): void;
}

/** Every function of `NativeFused` (the type makes this list complete). */
const MEMBERS: Record<keyof NativeFused, true> = {
  gelu: true,
  geluGrad: true,
  layerNorm: true,
  layerNormGrad: true,
  adamw: true,
  dense: true,
  denseGrad: true,
  attention: true,
  attentionGrad: true,
};
const NAMES = Object.keys(MEMBERS) as (keyof NativeFused)[];

/**
 * The addon's fused loops, or undefined when the addon was built before they existed (its
 * functions are checked by name, so a stale build keeps working with the JavaScript loops).
 */
export function nativeFused(blas: NativeBlas | undefined): NativeFused | undefined {
  const addon = blas as unknown as Partial<Record<keyof NativeFused, unknown>> | undefined;
  if (addon === undefined || !NAMES.every((n) => typeof addon[n] === 'function')) return undefined;
  return addon as unknown as NativeFused;
}
