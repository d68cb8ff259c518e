import type * as tf from '@tensorflow/tfjs';

/**
 * Cuts images (B, H, W, C) into non-overlapping P x P patches in row-major patch order,
 * each flattened as (py, px, c): (B, N, P*P*C) with N = (H/P) * (W/P). Reshape + Transpose
 * only, so the patch embedding is a MatMul: a stride-P conv without conv kernels (their
 * weight gradients are missing on tfjs-wasm).
 */
export function patchify(image: tf.Tensor, patchSize: number): tf.Tensor {
  const [b, h, w, c] = image.shape as [number, number, number, number];
  const p = patchSize;
  const gh = h / p;
  const gw = w / p;
  const blocks = image.reshape([b, gh, p, gw, p, c]); // (B, gh, P, gw, P, C)
  const ordered = blocks.transpose([0, 1, 3, 2, 4, 5]); // (B, gh, gw, P, P, C)
  return ordered.reshape([b, gh * gw, p * p * c]); // (B, N, P*P*C)
}

/**
 * Converts a conv patch-projection weight in torch layout [D, C, P, P] (out, in, ky, kx) to
 * the matmul kernel (P*P*C, D) that multiplies `patchify`'s (py, px, c) rows.
 */
export function convWeightToPatchKernel(
  weight: Float32Array,
  dim: number,
  channels: number,
  patchSize: number,
): Float32Array {
  const p = patchSize;
  const out = new Float32Array(weight.length);
  for (let d = 0; d < dim; d++)
    for (let c = 0; c < channels; c++)
      for (let y = 0; y < p; y++)
        for (let x = 0; x < p; x++) {
          const src = ((d * channels + c) * p + y) * p + x;
          const row = (y * p + x) * channels + c;
          out[row * dim + d] = weight[src]!;
        }
  return out;
}
