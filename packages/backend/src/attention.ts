import { FUSED_KERNELS, VlakitError } from '@vlakit/core';
import { type JsKernel, registerJsKernel, sameShape, unregisterJsKernel } from './js-kernel.js';
import type { NativeFused } from './native-fused.js';

/*
 * The fused multi-head attention kernel (core's FUSED_KERNELS.attention / attentionGrad): one
 * kernel forward and one backward instead of ~14 tfjs kernels each way (head reshapes and
 * transposes, scale, mask bias, softmax, two batched matmuls, merge) plus the engine's copies of
 * every saved input. Heads are column blocks of q, k, v (B, L, D), read in place.
 *
 * Per batch b and head h, with Q, K, V the (L, dh) column blocks h*dh.. of q[b], k[b], v[b]:
 *   P = softmax(Q K^T / sqrt(dh) + (mask - 1) 1e9) [* mask when zeroMasked]     (Lq, Lk)
 *   context block = P V                                                         (Lq, dh)
 * Backward, dY the context block's gradient:
 *   dP = dY V^T + dprobs      dV = P^T dY
 *   dS = P (dP - rowsum(dP P)) / sqrt(dh)      dQ = dS K      dK = dS^T Q
 * With zeroMasked, P is the masked output: it equals the softmax wherever the gradient is not 0.
 * native/vlakit_attention.c runs the same steps with OpenBLAS sgemm; these loops are its reference.
 */

/** Attention forward in JavaScript (float64 sums), the reference of the C version. */
export function attentionLoop(
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
): void {
  const d = q.length / (batch * lq);
  const dh = d / heads;
  const scale = Math.fround(1 / Math.sqrt(dh));
  const row = new Float64Array(lk);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const pBase = (b * heads + h) * lq * lk;
      for (let i = 0; i < lq; i++) {
        const qo = (b * lq + i) * d + h * dh;
        let max = -Infinity;
        for (let j = 0; j < lk; j++) {
          const ko = (b * lk + j) * d + h * dh;
          let s = 0;
          for (let c = 0; c < dh; c++) s += q[qo + c]! * k[ko + c]!;
          let logit = Math.fround(Math.fround(s) * scale); // (Lq, Lk) scores, as the composed Mul
          if (mask !== null) logit = Math.fround(logit + (mask[b * lk + j]! - 1) * 1e9);
          row[j] = logit;
          if (logit > max) max = logit;
        }
        let sum = 0;
        for (let j = 0; j < lk; j++) {
          const e = Math.exp(row[j]! - max);
          row[j] = e;
          sum += e;
        }
        for (let j = 0; j < lk; j++) {
          const m = mask !== null && zeroMasked ? mask[b * lk + j]! : 1;
          probs[pBase + i * lk + j] = (row[j]! / sum) * m;
        }
        for (let c = 0; c < dh; c++) {
          let s = 0;
          for (let j = 0; j < lk; j++) s += probs[pBase + i * lk + j]! * v[(b * lk + j) * d + h * dh + c]!;
          context[qo + c] = s;
        }
      }
    }
  }
}

/** Attention backward in JavaScript (float64 sums), the reference of the C version. */
export function attentionGradLoop(
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
): void {
  const d = q.length / (batch * lq);
  const dh = d / heads;
  const scale = 1 / Math.sqrt(dh);
  const ds = new Float64Array(lq * lk);
  dq.fill(0);
  dk.fill(0);
  dv.fill(0);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const pBase = (b * heads + h) * lq * lk;
      for (let i = 0; i < lq; i++) {
        const yo = (b * lq + i) * d + h * dh;
        let rowSum = 0;
        for (let j = 0; j < lk; j++) {
          const vo = (b * lk + j) * d + h * dh;
          let s = dprobs[pBase + i * lk + j]!;
          for (let c = 0; c < dh; c++) s += dy[yo + c]! * v[vo + c]!; // dP = dY V^T + dprobs
          const p = probs[pBase + i * lk + j]!;
          for (let c = 0; c < dh; c++) dv[vo + c]! += p * dy[yo + c]!; // dV = P^T dY
          ds[i * lk + j] = s;
          rowSum += s * p;
        }
        for (let j = 0; j < lk; j++) {
          const p = probs[pBase + i * lk + j]!;
          ds[i * lk + j] = p * (ds[i * lk + j]! - rowSum) * scale; // dS
        }
      }
      for (let i = 0; i < lq; i++) {
        const qo = (b * lq + i) * d + h * dh;
        for (let j = 0; j < lk; j++) {
          const ko = (b * lk + j) * d + h * dh;
          const s = ds[i * lk + j]!;
          for (let c = 0; c < dh; c++) {
            dq[qo + c]! += s * k[ko + c]!; // dQ = dS K
            dk[ko + c]! += s * q[qo + c]!; // dK = dS^T Q
          }
        }
      }
    }
  }
}

type Loops = Pick<NativeFused, 'attention' | 'attentionGrad'>;

function dims(shapes: number[][], heads: number): { batch: number; lq: number; lk: number; d: number } {
  const [q, k, v, mask] = shapes;
  const [batch, lq, d] = q!;
  const lk = k![1]!;
  const ok =
    q!.length === 3 &&
    sameShape(k, [batch!, lk, d!]) &&
    sameShape(v, [batch!, lk, d!]) &&
    (mask === undefined || mask.length === 0 || sameShape(mask, [batch!, lk])) &&
    Number.isInteger(heads) &&
    heads > 0 &&
    d! % heads === 0;
  if (!ok) {
    throw new VlakitError(
      'shape',
      `${FUSED_KERNELS.attention}: expected q (B, Lq, D), k and v (B, Lk, D), mask (B, Lk) and heads dividing D; got shapes ${JSON.stringify(shapes)} and heads=${heads}`,
    );
  }
  return { batch: batch!, lq: lq!, lk, d: d! };
}

/** The forward and gradient kernels (core's FUSED_KERNELS contracts) running `loops`. */
export function attentionKernels(loops: Loops): JsKernel[] {
  return [
    {
      name: FUSED_KERNELS.attention,
      inputs: ['q', 'k', 'v', 'mask'],
      outputShapes: (shapes, attrs) => {
        const heads = attrs.heads as number;
        const { batch, lq, lk, d } = dims(shapes, heads);
        return [
          [batch, lq, d],
          [batch, heads, lq, lk],
        ];
      },
      run: ([q, k, v, mask], [context, probs], shapes, attrs) => {
        const heads = attrs.heads as number;
        const { batch, lq, lk } = dims(shapes, heads);
        const m = mask!.length === 0 ? null : mask!;
        loops.attention(q!, k!, v!, m, context!, probs!, batch, lq, lk, heads, attrs.zeroMasked === true);
      },
    },
    {
      name: FUSED_KERNELS.attentionGrad,
      inputs: ['dy', 'dprobs', 'q', 'k', 'v', 'probs'],
      outputShapes: ([, , q, k, v]) => [q!, k!, v!],
      run: ([dy, dprobs, q, k, v, probs], [dq, dk, dv], shapes, attrs) => {
        const heads = attrs.heads as number;
        const { batch, lq, lk } = dims(shapes.slice(2, 5), heads);
        loops.attentionGrad(dy!, dprobs!, q!, k!, v!, probs!, dq!, dk!, dv!, batch, lq, lk, heads);
      },
    },
  ];
}

/**
 * Registers the fused attention kernels for wasm and cpu, with the C version of the OpenBLAS
 * addon when `native` is given, else the JavaScript loops (replacing earlier registrations). From
 * then on core's `scaledDotProductAttention` (multiHeadAttention, cross-attention) uses them.
 */
export function registerAttentionKernels(options: { native?: NativeFused | undefined } = {}): void {
  unregisterAttentionKernels();
  const loops = options.native ?? { attention: attentionLoop, attentionGrad: attentionGradLoop };
  for (const k of attentionKernels(loops)) registerJsKernel(k);
}

/** Removes the fused attention kernels from wasm and cpu (core composes tfjs ops again). */
export function unregisterAttentionKernels(): void {
  unregisterJsKernel(FUSED_KERNELS.attention);
  unregisterJsKernel(FUSED_KERNELS.attentionGrad);
}
