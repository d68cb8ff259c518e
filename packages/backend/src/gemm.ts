import { VlakitError } from '@vlakit/core';
import type { NativeBlas } from './native-blas.js';

/**
 * C (m, n) = op(A) op(B), float32 row-major, where A, B and C all lie in one Float32Array `ws` at
 * float offsets `a`, `b`, `c` (op(A) is (m, k): A is (k, m) when `transposeA`; op(B) is (k, n): B
 * is (n, k) when `transposeB`). C is overwritten. One buffer so that the OpenBLAS addon, which takes
 * byte offsets into a single ArrayBuffer, can run it.
 */
export type Gemm = (
  ws: Float32Array,
  a: number,
  b: number,
  c: number,
  m: number,
  n: number,
  k: number,
  transposeA: boolean,
  transposeB: boolean,
) => void;

/** The addon's sgemm when given, else plain JavaScript loops. */
export function makeGemm(blas?: NativeBlas): Gemm {
  if (blas === undefined) return jsGemm;
  return (ws, a, b, c, m, n, k, transposeA, transposeB) => {
    const o = ws.byteOffset;
    blas.sgemmBatched(
      ws.buffer as ArrayBuffer,
      o + 4 * a,
      o + 4 * b,
      o + 4 * c,
      1,
      m,
      n,
      k,
      transposeA,
      transposeB,
      0,
      0,
    );
  };
}

/**
 * The JavaScript fallback of `Gemm`, with the loop order picked per layout so the inner loop reads
 * contiguous memory (transposing both operands is not needed by any caller and is rejected).
 */
export const jsGemm: Gemm = (ws, a, b, c, m, n, k, transposeA, transposeB) => {
  if (transposeA && transposeB)
    throw new VlakitError('runtime', 'jsGemm: transposing both operands is not supported');
  if (transposeB) {
    // C[i, j] = A[i, :] . B[j, :]
    for (let i = 0; i < m; i++) {
      const aRow = a + i * k;
      for (let j = 0; j < n; j++) {
        const bRow = b + j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += ws[aRow + p]! * ws[bRow + p]!;
        ws[c + i * n + j] = s;
      }
    }
    return;
  }
  ws.fill(0, c, c + m * n);
  // C[i, :] += op(A)[i, p] B[p, :]
  for (let p = 0; p < k; p++) {
    const bRow = b + p * n;
    for (let i = 0; i < m; i++) {
      const av = transposeA ? ws[a + p * m + i]! : ws[a + i * k + p]!;
      const row = c + i * n;
      for (let j = 0; j < n; j++) ws[row + j]! += av * ws[bRow + j]!;
    }
  }
};
