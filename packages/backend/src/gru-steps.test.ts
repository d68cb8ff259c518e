import { describe, expect, it } from 'vitest';
import { JS_GRU_STEPS, nativeGruSteps } from './gru-steps.js';
import { loadNativeBlas } from './native-blas.js';

const status = loadNativeBlas();
const native = nativeGruSteps(status.loaded ? status.blas : undefined);

const f = (n: number, seed: number, amp = 2) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.73 + seed) * amp);

function worst(a: Float32Array, b: Float32Array): number {
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  return w;
}

describe('the C GRU step loops (native/vlakit_gru.c)', () => {
  it.runIf(native !== undefined).each([false, true])(
    'forward and backward steps match the JavaScript loops (x shared across the batch: %s)',
    (xShared) => {
      if (native === undefined) return;
      const [b, u] = [5, 19]; // not multiples of the vector width
      const xn = xShared ? u : b * u;
      const [xz, xr, xh] = [1, 2, 3].map((s) => f(xn, s));
      const g = f(3 * b * u, 4);
      const [bz, br, bh] = [5, 6, 7].map((s) => f(u, s, 0.5));
      const hPrev = f(b * u, 8, 0.9);
      const forward = (loops: typeof JS_GRU_STEPS) => {
        const cache = new Float32Array(4 * b * u);
        const h = new Float32Array(b * u);
        loops.gruForwardStep(xz!, xr!, xh!, g, bz!, br!, bh!, hPrev, cache, h, b, u, xShared);
        return { cache, h };
      };
      const c = forward(native);
      const js = forward(JS_GRU_STEPS);
      expect(worst(c.cache, js.cache)).toBeLessThan(1e-6);
      expect(worst(c.h, js.h)).toBeLessThan(1e-6);
      const dy = f(b * u, 9, 1);
      const dhNext = f(b * u, 10, 1);
      const backward = (loops: typeof JS_GRU_STEPS) => {
        const a = new Float32Array(3 * b * u);
        const [dxz, dxr, dxh] = [11, 12, 13].map((s) => f(xn, s, 0.1)); // accumulated into
        const dhz = new Float32Array(b * u);
        loops.gruBackwardStep(dy, dhNext, js.cache, hPrev, a, dxz!, dxr!, dxh!, dhz, b, u, xShared);
        return [a, dxz!, dxr!, dxh!, dhz];
      };
      const got = backward(native);
      const want = backward(JS_GRU_STEPS);
      got.forEach((x, i) => expect(worst(x, want[i]!)).toBeLessThan(1e-6));
    },
  );

  it.runIf(native !== undefined)('a wrong length is an error naming the array', () => {
    if (native === undefined) return;
    const z = (n: number) => new Float32Array(n);
    expect(() =>
      native.gruForwardStep(z(8), z(8), z(8), z(24), z(4), z(4), z(4), z(8), z(31), z(8), 2, 4, false),
    ).toThrow('vlakit gruForwardStep: cache has 31 elements, expected 32');
  });
});
