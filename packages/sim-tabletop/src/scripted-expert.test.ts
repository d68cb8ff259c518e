import { describe, expect, it } from 'vitest';
import {
  acceptedReset,
  environmentStateNames,
  episodeSeed,
  recordDemonstration,
  runExpert,
  STEPS_AFTER_SUCCESS,
} from './episodes.js';
import { FAMILIES, isSolved, sampleReset } from './tasks.js';

describe('scripted expert', () => {
  it('solves at least 95 % of sampled resets in every family, in well under 200 steps', () => {
    for (const family of FAMILIES) {
      let solved = 0;
      let steps = 0;
      const n = 24;
      for (let i = 0; i < n; i++) {
        const run = runExpert(sampleReset(family, 4, episodeSeed(3, 'generate', family, i)));
        if (run.solved) {
          solved++;
          steps += run.steps;
        }
      }
      expect(solved / n, family).toBeGreaterThanOrEqual(23 / 24);
      expect(steps / solved, family).toBeLessThan(60);
    }
  });

  it('records smooth demonstrations: done from the solving step, a few steps after success', () => {
    for (const family of FAMILIES) {
      const acc = acceptedReset(family, 8, episodeSeed(0, 'generate', family, 0));
      const demo = recordDemonstration(acc, 32, 32);
      const t = demo.frames.length;
      expect(demo.actions).toHaveLength(t * 2);
      expect(demo.states).toHaveLength(t * 2);
      // environment state: effector then (x, y, angle) per block, the first row is the reset
      expect(demo.environmentStates).toHaveLength(t * (2 + 3 * 8));
      expect(environmentStateNames(8)).toHaveLength(2 + 3 * 8);
      expect(Array.from(demo.environmentStates.subarray(0, 2))).toEqual(
        Array.from(demo.states.subarray(0, 2)),
      );
      const pose = acc.reset.poses[0]!;
      expect(Array.from(demo.environmentStates.subarray(2, 4))).toEqual(
        Array.from(Float32Array.of(pose.x, pose.y)),
      );
      // the world reports angles in (-pi, pi]; the reset may hold the same angle plus 2 pi
      expect(Math.cos(demo.environmentStates[4]!)).toBeCloseTo(Math.cos(pose.angle), 5);
      expect(Math.sin(demo.environmentStates[4]!)).toBeCloseTo(Math.sin(pose.angle), 5);
      expect(demo.done.slice(-STEPS_AFTER_SUCCESS)).toEqual([true, true, true]);
      const first = demo.done.indexOf(true);
      expect(demo.done.slice(first).every(Boolean)).toBe(true);
      expect(t - first).toBe(STEPS_AFTER_SUCCESS);
      for (let i = 0; i < t * 2; i++) expect(Math.abs(demo.actions[i]!)).toBeLessThanOrEqual(0.05);
      // deterministic
      expect(recordDemonstration(acc, 32, 32)).toEqual(demo);
    }
  });

  it('resamples rejected resets deterministically from the episode seed', () => {
    const a = acceptedReset('block2absolutelocation', 8, 1234);
    const b = acceptedReset('block2absolutelocation', 8, 1234);
    expect(b).toEqual(a);
    expect(isSolved(a.reset.task, { effector: a.reset.effector, blocks: a.reset.poses })).toBe(false);
    expect(runExpert(a.reset).solved).toBe(true);
  });
});

describe('generateDemonstration', () => {
  it('records the same accepted reset that acceptedReset picks, in one pass', async () => {
    const { generateDemonstration } = await import('./episodes.js');
    for (const family of FAMILIES) {
      const seed = episodeSeed(9, 'generate', family, 1);
      const demo = generateDemonstration(family, 8, seed, 16, 16);
      const acc = acceptedReset(family, 8, seed);
      expect(demo.reset).toEqual(acc.reset);
      expect(demo.attempts).toBe(acc.attempts);
      // the solving step is the first of STEPS_AFTER_SUCCESS steps with done = true
      expect(demo.frames.length).toBe(acc.expertSteps + STEPS_AFTER_SUCCESS - 1);
    }
  });
});
