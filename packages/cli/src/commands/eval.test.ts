import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { projectWithTestStages } from '../test-project.js';
import { runCaptured } from '../test-run.js';
import { evalJson, formatEval } from './eval.js';

const run = runCaptured;

const report = {
  episodes_per_family: 50,
  pc_success: 80,
  ci95: [74, 85],
  families: {
    reach: { pc_success: 90, ci95: [79, 96], mean_steps_to_success: 20, episodes: 50 },
    push: { pc_success: 70, ci95: [56, 81], mean_steps_to_success: 40, episodes: 50 },
  },
};

describe('vla eval', () => {
  it('argument errors: missing --run, bad --episodes, bad --checkpoint, not a run folder', async () => {
    const root = projectWithTestStages();
    const none = await run(['eval'], root);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('give exactly one of --run <dir> (a training run) or --policy <dir>');
    const both = await run(['eval', '--run', 'a', '--policy', 'b'], root);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('give exactly one of');
    const notBundle = await run(['eval', '--policy', root], root);
    expect(notBundle.code).toBe(1);
    expect(notBundle.stderr).toContain('is not a policy bundle');
    const badN = await run(['eval', '--run', 'x', '--episodes', '0'], root);
    expect(badN.code).toBe(2);
    expect(badN.stderr).toContain('expected a positive integer, got "0"');
    const badC = await run(['eval', '--run', 'x', '--checkpoint', 'first'], root);
    expect(badC.code).toBe(2);
    expect(badC.stderr).toContain('expected one of best, last, got "first"');
    const notRun = await run(['eval', '--run', 'nowhere', '--backend', 'cpu'], root);
    expect(notRun.code).toBe(1);
    expect(notRun.stderr).toContain('--run "nowhere" is not a run folder');
  });

  it('evaluates a trained run in the simulator and prints the vla expert JSON shape', async () => {
    const root = projectWithTestStages();
    expect((await run(['train', '--config', 'tiny.yaml', '--backend', 'cpu'], root)).code).toBe(0);
    const r = await run(
      ['eval', '--run', 'runs/tiny', '--episodes', '1', '--backend', 'cpu', '--json'],
      root,
    );
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout.trimEnd().split('\n').at(-1)!);
    expect(out.episodes_per_family).toBe(1);
    expect(Object.keys(out.families)).toHaveLength(5);
    for (const f of Object.values(out.families) as Array<{ pc_success: number; ci95: number[] }>) {
      expect(f.pc_success).toBeGreaterThanOrEqual(0);
      expect(f.ci95).toHaveLength(2);
    }
  });

  it('prints the vla expert JSON shape', () => {
    expect(evalJson(report)).toEqual({
      episodes_per_family: 50,
      pc_success: 80,
      ci95: [74, 85],
      families: { reach: { pc_success: 90, ci95: [79, 96] }, push: { pc_success: 70, ci95: [56, 81] } },
    });
    expect(formatEval(report)).toContain('push');
  });
});

describe('vla demo', () => {
  it('rejects an unknown backend', async () => {
    const r = await run(['demo', '--backend', 'metal'], projectWithTestStages());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('got "metal"');
  });

  it('--policy runs an ONNX bundle closed-loop and prints the vla expert JSON shape', async () => {
    const bundle = fileURLToPath(new URL('../../../runtime-onnx/test/fixtures/test-policy', import.meta.url));
    const r = await run(
      ['eval', '--policy', bundle, '--episodes', '1', '--execute-steps', '2', '--json'],
      process.cwd(),
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(out.episodes_per_family).toBe(1);
    expect(Object.keys(out.families).sort()).toEqual([
      'block2absolutelocation',
      'block2block',
      'block2block_relative_location',
      'block2relativelocation',
      'separate_blocks',
    ]);
    for (const f of Object.values(out.families) as Array<{ pc_success: number; ci95: number[] }>) {
      expect(f.pc_success).toBeGreaterThanOrEqual(0);
      expect(f.ci95).toHaveLength(2);
    }
  });
});
