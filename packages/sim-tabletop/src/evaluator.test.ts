import { describe, expect, it } from 'vitest';
import { evaluatePolicy, expertPolicy, runEpisodes } from './evaluator.js';
import type { Observation } from './tabletop-env.js';
import { wilsonInterval } from './wilson-interval.js';

describe('wilsonInterval', () => {
  it('matches reference values', () => {
    const [lo, hi] = wilsonInterval(45, 50);
    expect(lo).toBeCloseTo(0.7864, 3);
    expect(hi).toBeCloseTo(0.9565, 3);
    expect(wilsonInterval(0, 50)[0]).toBe(0);
    expect(wilsonInterval(50, 50)[1]).toBe(1);
    expect(wilsonInterval(50, 50)[0]).toBeCloseTo(0.9287, 3);
  });
});

describe('evaluatePolicy', () => {
  it('scores the scripted expert at 100 % on accepted resets and reports the report shape', async () => {
    const report = await evaluatePolicy(expertPolicy(), { episodesPerFamily: 2, batchSize: 4 });
    expect(report.episodes_per_family).toBe(2);
    expect(report.pc_success).toBe(100);
    expect(Object.keys(report.families)).toHaveLength(5);
    for (const f of Object.values(report.families)) {
      expect(f.pc_success).toBe(100);
      expect(f.ci95[1]).toBe(100);
      expect(f.mean_steps_to_success).toBeGreaterThan(0);
      expect(f.expert_solve_rate).toBeGreaterThan(0);
    }
  });

  it('runs episodes in lockstep and executes chunks receding-horizon', async () => {
    const batches: number[] = [];
    const policy = (obs: Observation[]) => {
      batches.push(obs.length);
      for (const o of obs) {
        expect(o.image).toHaveLength(32 * 32 * 3);
        expect(o.state).toBeInstanceOf(Float32Array);
        expect(typeof o.instruction).toBe('string');
      }
      return obs.map(() => new Float32Array([0, 0, 0, 0, 0, 0, 0, 0])); // chunks of 4 still actions
    };
    const results = await runEpisodes(
      policy,
      [
        { family: 'block2block', index: 0 },
        { family: 'separate_blocks', index: 0 },
        { family: 'block2relativelocation', index: 1 },
      ],
      { maxSteps: 10, executeSteps: 2, imageSize: 32 },
    );
    expect(results.map((r) => r.success)).toEqual([false, false, false]);
    expect(results.map((r) => r.steps)).toEqual([10, 10, 10]);
    expect(batches).toEqual([3, 3, 3, 3, 3]); // 10 steps / 2 executed per chunk, all three together
    const seen: number[] = [];
    const report = await evaluatePolicy(policy, {
      episodesPerFamily: 1,
      families: ['block2block'],
      maxSteps: 3,
      imageSize: 32,
      onStep: (ep, env) => seen.push(ep.index * 100 + env.steps),
    });
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(report.families.block2block).toMatchObject({ pc_success: 0, mean_steps_to_success: null });
  });

  it('reports bad policy outputs and options clearly', async () => {
    const opts = { episodesPerFamily: 1, families: ['block2block'] as const, maxSteps: 2 };
    await expect(evaluatePolicy(() => [], opts)).rejects.toThrow(/one action chunk per observation/);
    await expect(evaluatePolicy((o) => o.map(() => new Float32Array(3)), opts)).rejects.toThrow(
      /T\*2 numbers/,
    );
    await expect(evaluatePolicy((o) => o.map(() => new Float32Array([Number.NaN, 0])), opts)).rejects.toThrow(
      /finite number/,
    );
    await expect(evaluatePolicy(expertPolicy(), { ...opts, episodesPerFamily: 0 })).rejects.toThrow(
      /episodesPerFamily \(0\) must be a positive integer/,
    );
    await expect(evaluatePolicy(expertPolicy(), { families: ['fly' as never] })).rejects.toThrow(
      /"fly" is not one of/,
    );
  });
});
