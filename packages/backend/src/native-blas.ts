import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The optional OpenBLAS addon (native/vlakit_blas.c). */
export interface NativeBlas {
  /**
   * C[i] = op(A[i]) x op(B[i]) for i < batch, float32 row-major, all three inside `buffer` at byte
   * offsets; A[i] starts `strideA` floats after A[i-1] (0 broadcasts one matrix), C is dense.
   */
  sgemmBatched(
    buffer: ArrayBuffer,
    aByteOffset: number,
    bByteOffset: number,
    cByteOffset: number,
    batch: number,
    m: number,
    n: number,
    k: number,
    transposeA: boolean,
    transposeB: boolean,
    strideA: number,
    strideB: number,
  ): void;
  /** Sets OpenBLAS's thread count (when > 0) and returns the count in use. */
  setThreads(threads: number): number;
  /** OpenBLAS's build description (kernel family, threading). */
  config(): string;
  /**
   * Products with fewer multiply-adds (batch*m*n*k) than `n` run on one thread (default 2^24;
   * VLAKIT_BLAS_SMALL_WORK sets it at load); n <= 0 only reads it. Returns the value in use.
   */
  setSmallWork(n: number): number;
}

export type NativeBlasStatus =
  | { loaded: true; blas: NativeBlas; path: string }
  | { loaded: false; reason: string };

let cached: NativeBlasStatus | undefined;

/** Where the addon is built: packages/backend/native/build/vlakit_blas.node (from src/ or dist/). */
export function nativeAddonPath(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'native', 'build', 'vlakit_blas.node');
}

/**
 * Loads the addon once. Never throws: when it is not built, fails to load or is disabled with
 * VLAKIT_NATIVE=0, the status says why and the wasm kernels are used instead.
 *
 * OpenBLAS reads OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE when it loads; some machines set them to
 * values that select slower kernels, so they are unset while the library loads (and restored)
 * unless VLAKIT_BLAS_KEEP_ENV=1.
 */
export function loadNativeBlas(options: { fresh?: boolean } = {}): NativeBlasStatus {
  if (cached !== undefined && options.fresh !== true) return cached;
  cached = tryLoad();
  return cached;
}

function tryLoad(): NativeBlasStatus {
  if (process.env.VLAKIT_NATIVE === '0') return { loaded: false, reason: 'disabled by VLAKIT_NATIVE=0' };
  const path = nativeAddonPath();
  if (!existsSync(path)) {
    return {
      loaded: false,
      reason: `not built (${path} is missing; install libopenblas-dev and run node native/build.mjs in @vlakit/backend)`,
    };
  }
  const saved: Record<string, string | undefined> = {};
  const keepEnv = process.env.VLAKIT_BLAS_KEEP_ENV === '1';
  if (!keepEnv) {
    for (const k of ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE']) {
      saved[k] = process.env[k];
      delete process.env[k];
    }
  }
  // OpenBLAS worker threads spin for 2^28 cycles after each call by default, stealing a core from
  // everything else on a busy machine; 2^4 makes them sleep almost at once.
  const setTimeoutEnv = process.env.OPENBLAS_THREAD_TIMEOUT === undefined;
  if (setTimeoutEnv) process.env.OPENBLAS_THREAD_TIMEOUT = '4';
  try {
    const blas = createRequire(import.meta.url)(path) as NativeBlas;
    const small = Number(process.env.VLAKIT_BLAS_SMALL_WORK);
    if (Number.isInteger(small) && small > 0) blas.setSmallWork(small);
    return { loaded: true, blas, path };
  } catch (error) {
    return { loaded: false, reason: `failed to load ${path}: ${(error as Error).message}` };
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
    if (setTimeoutEnv) delete process.env.OPENBLAS_THREAD_TIMEOUT;
  }
}
