import { describe, expect, it } from 'vitest';
import { SimError } from './sim-error.js';
import { TabletopEnv, validateAction } from './tabletop-env.js';
import { sampleReset } from './tasks.js';
import { X_MAX, X_MIN, Y_MAX, Y_MIN } from './workspace.js';

/** A reset whose effector sits 8 cm from the blue cube (block 1 of BLOCK_4), facing it along +y. */
function cubeBehindEffector() {
  const reset = sampleReset('block2block', 4, 5);
  reset.poses = [
    { x: 0.5, y: 0.2, angle: 0 },
    { x: 0.35, y: 0, angle: 0 },
    { x: 0.2, y: 0.2, angle: 0 },
    { x: 0.5, y: -0.2, angle: 0 },
  ];
  reset.effector = [0.35, -0.08];
  return reset;
}

describe('actions', () => {
  it('rejects NaN, wrong length and wrong type with a clear error', () => {
    expect(() => validateAction([Number.NaN, 0])).toThrow(
      /action\[0\] must be a finite number \(metres\), got NaN/,
    );
    expect(() => validateAction([0, Number.POSITIVE_INFINITY])).toThrow(
      /action\[1\] must be a finite number/,
    );
    expect(() => validateAction([0.01, 0.02, 0.03])).toThrow(/action must have 2 values .* got 3/);
    expect(() => validateAction(new Float32Array(1))).toThrow(/action must have 2 values .* got 1/);
    expect(() => validateAction('0.1,0.1')).toThrow(/action must be an array or typed array of 2 numbers/);
    expect(() => validateAction({ x: 0, y: 0 })).toThrow(/got object/);
    expect(() => validateAction(['0.1', 0])).toThrow(
      /action\[0\] must be a finite number \(metres\), got "0.1"/,
    );
    try {
      validateAction([Number.NaN, 0]);
    } catch (e) {
      expect(e).toBeInstanceOf(SimError);
      expect((e as SimError).kind).toBe('input');
      expect((e as Record<symbol, unknown>)[Symbol.for('@vlakit/core/error')]).toBe(true);
    }
    const env = new TabletopEnv(sampleReset('block2block', 4, 1));
    expect(() => env.step([Number.NaN, 0])).toThrow(/finite number/);
    expect(env.steps).toBe(0);
  });

  it('clips to +-0.1 per axis', () => {
    expect(validateAction(new Float32Array([0.5, -0.3]))).toEqual([0.1, -0.1]);
    const env = new TabletopEnv(sampleReset('block2block', 4, 1));
    const [x0, y0] = env.state().effector;
    env.step([0.5, 0]);
    expect(env.state().effector[0]).toBeCloseTo(Math.min(X_MAX, x0 + 0.1), 9);
    expect(env.state().effector[1]).toBeCloseTo(y0, 9);
  });
});

describe('world', () => {
  it('keeps the effector and every block inside the workspace under hard pushing', () => {
    for (const seed of [1, 2, 3]) {
      const env = new TabletopEnv(sampleReset('block2block', 8, seed));
      for (let t = 0; t < 120; t++) {
        const phase = Math.floor(t / 30);
        env.step([[0.1, -0.1, 0.02, -0.02][phase]!, [0.03, -0.03, 0.1, -0.1][phase]!]);
        const s = env.state();
        expect(s.effector[0]).toBeGreaterThanOrEqual(X_MIN);
        expect(s.effector[0]).toBeLessThanOrEqual(X_MAX);
        for (const b of s.blocks) {
          expect(b.x).toBeGreaterThan(X_MIN);
          expect(b.x).toBeLessThan(X_MAX);
          expect(b.y).toBeGreaterThan(Y_MIN);
          expect(b.y).toBeLessThan(Y_MAX);
        }
      }
    }
  });

  it('pushes a block the effector drives into, and leaves it still afterwards (table friction)', () => {
    const env = new TabletopEnv(cubeBehindEffector());
    for (let t = 0; t < 8; t++) env.step([0, 0.02]);
    const pushed = env.state().blocks[1]!;
    expect(pushed.y).toBeGreaterThan(0.04);
    expect(Math.abs(pushed.x - 0.35)).toBeLessThan(0.01);
    env.step([0, -0.03]);
    const after = env.state().blocks[1]!;
    env.step([0, -0.03]);
    expect(env.state().blocks[1]!.y).toBeCloseTo(after.y, 6);
  });

  it("observations carry the episode's first frame, unchanged as the scene changes", () => {
    const env = new TabletopEnv(cubeBehindEffector());
    const first = env.observe();
    expect(first.startImage).toEqual(first.image);
    for (let t = 0; t < 8; t++) env.step([0, 0.02]);
    const later = env.observe();
    expect(later.image).not.toEqual(first.image);
    expect(later.startImage).toEqual(first.image);
  });

  it('is deterministic: the same reset and actions give identical states and frames', () => {
    const run = () => {
      const env = new TabletopEnv(sampleReset('separate_blocks', 8, 11));
      const frames: number[] = [];
      for (let t = 0; t < 40; t++) {
        env.step([0.03 * Math.sin(t / 3), 0.03 * Math.cos(t / 5)]);
        frames.push(env.render().reduce((s, v) => s + v, 0));
      }
      return { state: env.state(), frames };
    };
    expect(run()).toEqual(run());
  });

  it('renders RGB uint8 frames of the requested size, up to 320x180', () => {
    const reset = sampleReset('block2block', 4, 1);
    expect(new TabletopEnv(reset).observe().image).toHaveLength(64 * 64 * 3);
    const big = new TabletopEnv(reset, { imageWidth: 320, imageHeight: 180 }).observe();
    expect([big.width, big.height, big.image.length]).toEqual([320, 180, 320 * 180 * 3]);
    expect(() => new TabletopEnv(reset, { imageWidth: 640 })).toThrow(
      /imageWidth \(640\) must be an integer from 8 to 320/,
    );
  });
});
