import { describe, expect, it } from 'vitest';
import { JS_FUSED_LOOPS } from './fused-ops.js';
import { nativeFused } from './native-fused.js';
import { testNative } from './test-kernels.js';

const native = testNative();

/** Deterministic values in about [-scale, scale], with a few far outside erf's clamp at 4. */
function values(n: number, seed: number, scale = 3): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (i % 97 === 0 ? 9 : scale * Math.sin(i * 1.37 + seed)));
}

function expectClose(got: Float32Array, want: Float32Array, tol: number): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++)
    worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!)));
  expect(worst).toBeLessThan(tol);
}

describe('nativeFused', () => {
  it('accepts an addon only when it has every fused loop (a stale build falls back to JavaScript)', () => {
    const complete = { ...JS_FUSED_LOOPS };
    expect(nativeFused(complete as never)).toBe(complete);
    for (const name of Object.keys(JS_FUSED_LOOPS)) {
      const { [name as keyof typeof JS_FUSED_LOOPS]: _dropped, ...stale } = JS_FUSED_LOOPS;
      expect(nativeFused(stale as never), `without ${name}`).toBeUndefined();
    }
    expect(nativeFused(undefined)).toBeUndefined();
  });
});

describe('the C fused loops (native/vlakit_fused.c)', () => {
  it.runIf(native !== undefined)('gelu and geluGrad match the JavaScript loops', () => {
    if (native === undefined) return;
    const n = 4099; // not a multiple of the vector width
    const x = values(n, 1);
    const dy = values(n, 2, 1);
    const out = () => [new Float32Array(n), new Float32Array(n)] as const;
    const [y, cdf] = out();
    const [yJs, cdfJs] = out();
    native.gelu(x, y, cdf);
    JS_FUSED_LOOPS.gelu(x, yJs, cdfJs);
    expectClose(y, yJs, 1e-6);
    expectClose(cdf, cdfJs, 1e-6);
    const [dx, dxJs] = out();
    native.geluGrad(dy, x, cdf, dx);
    JS_FUSED_LOOPS.geluGrad(dy, x, cdfJs, dxJs);
    expectClose(dx, dxJs, 1e-6);
  });

  it.runIf(native !== undefined)('layerNorm and layerNormGrad match the JavaScript loops', () => {
    if (native === undefined) return;
    const rows = 131;
    const d = 67;
    const x = values(rows * d, 3);
    const g = values(d, 4, 1);
    const b = values(d, 5, 1);
    const dy = values(rows * d, 6, 1);
    const run = (loops: typeof JS_FUSED_LOOPS) => {
      const y = new Float32Array(rows * d);
      const mean = new Float32Array(rows);
      const rstd = new Float32Array(rows);
      loops.layerNorm(x, g, b, y, mean, rstd, 1e-5);
      const dx = new Float32Array(rows * d);
      const dg = new Float32Array(d).fill(7); // overwritten, not accumulated
      const db = new Float32Array(d).fill(7);
      loops.layerNormGrad(dy, x, g, mean, rstd, dx, dg, db);
      return [y, mean, rstd, dx, dg, db];
    };
    const got = run(native);
    const want = run(JS_FUSED_LOOPS);
    got.forEach((a, i) => expectClose(a, want[i]!, 1e-5));
  });

  it.runIf(native !== undefined)('adamw matches the JavaScript loop (several steps)', () => {
    if (native === undefined) return;
    const n = 1031;
    const p = values(n, 7, 1);
    const g = values(n, 8, 0.1);
    const state = () => [new Float32Array(p), new Float32Array(n), new Float32Array(n)] as const;
    const [pc, mc, vc] = state();
    const [pj, mj, vj] = state();
    for (let step = 1; step <= 3; step++) {
      const a = { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, step };
      native.adamw(pc, g, mc, vc, pc, mc, vc, a.lr, a.beta1, a.beta2, a.epsilon, a.weightDecay, step);
      JS_FUSED_LOOPS.adamw(pj, g, mj, vj, pj, mj, vj, a.lr, a.beta1, a.beta2, a.epsilon, a.weightDecay, step);
    }
    expectClose(pc, pj, 1e-6);
    expectClose(mc, mj, 1e-6);
    expectClose(vc, vj, 1e-6);
  });

  it.runIf(native !== undefined)('a wrong length or type is an error naming the array', () => {
    if (native === undefined) return;
    const f = (n: number) => new Float32Array(n);
    expect(() => native.gelu(f(8), f(8), f(7))).toThrow('vlakit gelu: cdf has 7 elements, expected 8');
    expect(() => native.layerNorm(f(12), f(4), f(4), f(12), f(3), f(2), 1e-5)).toThrow(
      'vlakit layerNorm: rstd has 2 elements, expected 3',
    );
    expect(() => native.layerNorm(f(10), f(4), f(4), f(10), f(2), f(2), 1e-5)).toThrow(
      /x \(not a multiple of gamma's length\)/,
    );
    expect(() => native.geluGrad(f(4), new Float64Array(4) as never, f(4), f(4))).toThrow(
      'vlakit geluGrad: x must be a Float32Array',
    );
  });

  it('a stale addon without the fused loops is ignored (JavaScript loops are used)', () => {
    expect(nativeFused(undefined)).toBeUndefined();
    expect(nativeFused({ sgemmBatched() {} } as never)).toBeUndefined();
  });
});
