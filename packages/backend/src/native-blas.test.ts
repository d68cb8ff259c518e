import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadNativeBlas, nativeAddonPath } from './native-blas.js';

const buildScript = join(dirname(fileURLToPath(import.meta.url)), '..', 'native', 'build.mjs');
const saved = process.env.VLAKIT_NATIVE;
afterEach(() => {
  if (saved === undefined) delete process.env.VLAKIT_NATIVE;
  else process.env.VLAKIT_NATIVE = saved;
  loadNativeBlas({ fresh: true });
});

describe('the optional OpenBLAS addon', () => {
  it('VLAKIT_NATIVE=0 turns it off with a reason, never an exception', () => {
    process.env.VLAKIT_NATIVE = '0';
    const status = loadNativeBlas({ fresh: true });
    expect(status).toEqual({ loaded: false, reason: 'disabled by VLAKIT_NATIVE=0' });
  });

  it('the build script skips cleanly (exit 0, says why) when disabled or the compiler fails', () => {
    const before = existsSync(nativeAddonPath()) ? statSync(nativeAddonPath()).mtimeMs : undefined;
    const off = spawnSync(process.execPath, [buildScript], {
      env: { ...process.env, VLAKIT_NATIVE: '0' },
      encoding: 'utf8',
    });
    expect(off.status).toBe(0);
    expect(off.stdout).toContain('not built (VLAKIT_NATIVE=0)');
    const broken = spawnSync(process.execPath, [buildScript], {
      env: { ...process.env, VLAKIT_NATIVE: '1', CC: '/nonexistent/cc' },
      encoding: 'utf8',
    });
    expect(broken.status).toBe(0);
    expect(broken.stdout).toMatch(/not built \((\/nonexistent\/cc failed|.*not found)/);
    // a failed build leaves an existing addon alone
    const after = existsSync(nativeAddonPath()) ? statSync(nativeAddonPath()).mtimeMs : undefined;
    expect(after).toBe(before);
  });

  const status = loadNativeBlas({ fresh: true });
  it.runIf(status.loaded)(
    'when built, sgemm on a buffer matches a plain loop (all transposes, strided batch, 1 and n threads)',
    () => {
      if (!status.loaded) return;
      const m = 3,
        n = 4,
        k = 5,
        batch = 2;
      const buf = new ArrayBuffer(4 * 200);
      const f = new Float32Array(buf);
      for (let i = 0; i < 100; i++) f[i] = Math.sin(i);
      const previous = status.blas.setSmallWork(0);
      for (const [ta, tb, small] of [
        [false, false, 1],
        [true, false, 1],
        [false, true, 2 ** 40],
        [true, true, 2 ** 40],
      ] as const) {
        expect(status.blas.setSmallWork(small)).toBe(small); // 1: threaded path, 2^40: one thread
        status.blas.sgemmBatched(buf, 0, 4 * 40, 4 * 120, batch, m, n, k, ta, tb, m * k, 0);
        for (let b = 0; b < batch; b++) {
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              let s = 0;
              for (let p = 0; p < k; p++) {
                const a = f[b * m * k + (ta ? p * m + i : i * k + p)]!;
                const bb = f[40 + (tb ? j * k + p : p * n + j)]!;
                s += a * bb;
              }
              expect(f[120 + b * m * n + i * n + j]!).toBeCloseTo(s, 4);
            }
          }
        }
      }
      status.blas.setSmallWork(previous);
    },
  );
  it.runIf(status.loaded)('when built, out-of-bounds operands are a RangeError, not a crash', () => {
    if (!status.loaded) return;
    expect(() =>
      status.blas.sgemmBatched(new ArrayBuffer(64), 0, 0, 0, 1, 8, 8, 8, false, false, 0, 0),
    ).toThrow(/outside the buffer/);
  });
  it.runIf(!status.loaded)('when not built, the status says why', () => {
    if (status.loaded) return;
    expect(status.reason).toMatch(/not built|failed to load|disabled/);
  });
});
