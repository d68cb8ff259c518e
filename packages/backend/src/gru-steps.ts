import type { NativeBlas } from './native-blas.js';

/*
 * The elementwise part of one step of the fused GRU sequence (gru-sequence.ts), forward and
 * backward, on views of that step's rows (B rows of U, or one shared row of x when `xShared`):
 *   z = sigmoid(x_z + G_z + b_z)   r = sigmoid(x_r + G_r + b_r)   hh = G_h + b_h
 *   n = tanh(x_h + r hh)           h = z h_prev + (1 - z) n          cache = [z | r | n | hh]
 * Backward, dh = dy + dh_next:
 *   a_z = dh (h_prev - n) z (1 - z)   a_n = dh (1 - z) (1 - n^2)   a_r = a_n hh r (1 - r)
 *   A = [a_z | a_r | a_n r] (B, 3U)   dx_z += a_z   dx_r += a_r   dx_h += a_n   dhz = dh z
 * native/vlakit_gru.c runs the same loops vectorised; these are its reference and fallback.
 */
export interface GruSteps {
  gruForwardStep(
    xz: Float32Array,
    xr: Float32Array,
    xh: Float32Array,
    g: Float32Array,
    bz: Float32Array,
    br: Float32Array,
    bh: Float32Array,
    hPrev: Float32Array,
    cache: Float32Array,
    h: Float32Array,
    batch: number,
    units: number,
    xShared: boolean,
  ): void;
  gruBackwardStep(
    dy: Float32Array,
    dhNext: Float32Array,
    cache: Float32Array,
    hPrev: Float32Array,
    a: Float32Array,
    dxz: Float32Array,
    dxr: Float32Array,
    dxh: Float32Array,
    dhz: Float32Array,
    batch: number,
    units: number,
    xShared: boolean,
  ): void;
}

// Branch-free forms with Math.exp (measured faster here than Math.tanh and than the branchy
// expNeg forms on random-sign inputs); computed in float64, so tanh's cancellation near 0 is harmless.
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const tanh = (v: number) => 2 / (1 + Math.exp(-2 * v)) - 1;

export const JS_GRU_STEPS: GruSteps = {
  gruForwardStep(xz, xr, xh, g, bz, br, bh, hPrev, cache, h, b, u, xShared) {
    const bu = b * u;
    for (let i = 0; i < b; i++) {
      const xo = xShared ? 0 : i * u;
      const go = i * 3 * u;
      for (let j = 0; j < u; j++) {
        const k = i * u + j;
        const z = sigmoid(xz[xo + j]! + g[go + j]! + bz[j]!);
        const r = sigmoid(xr[xo + j]! + g[go + u + j]! + br[j]!);
        const hh = g[go + 2 * u + j]! + bh[j]!;
        const n = tanh(xh[xo + j]! + r * hh);
        cache[k] = z;
        cache[bu + k] = r;
        cache[2 * bu + k] = n;
        cache[3 * bu + k] = hh;
        h[k] = z * hPrev[k]! + (1 - z) * n;
      }
    }
  },
  gruBackwardStep(dy, dhNext, cache, hPrev, a, dxz, dxr, dxh, dhz, b, u, xShared) {
    const bu = b * u;
    for (let i = 0; i < b; i++) {
      const xo = xShared ? 0 : i * u;
      const ao = i * 3 * u;
      for (let j = 0; j < u; j++) {
        const k = i * u + j;
        const dh = dy[k]! + dhNext[k]!;
        const z = cache[k]!;
        const r = cache[bu + k]!;
        const n = cache[2 * bu + k]!;
        const hh = cache[3 * bu + k]!;
        const az = dh * (hPrev[k]! - n) * z * (1 - z);
        const an = dh * (1 - z) * (1 - n * n);
        const ar = an * hh * r * (1 - r);
        a[ao + j] = az;
        a[ao + u + j] = ar;
        a[ao + 2 * u + j] = an * r;
        dxz[xo + j]! += az;
        dxr[xo + j]! += ar;
        dxh[xo + j]! += an;
        dhz[k] = dh * z;
      }
    }
  },
};

/** The addon's step loops, or undefined when it lacks them (an addon built before they existed). */
export function nativeGruSteps(blas: NativeBlas | undefined): GruSteps | undefined {
  const addon = blas as unknown as Partial<Record<keyof GruSteps, unknown>> | undefined;
  if (typeof addon?.gruForwardStep !== 'function' || typeof addon.gruBackwardStep !== 'function')
    return undefined;
  return addon as unknown as GruSteps;
}
