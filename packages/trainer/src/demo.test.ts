import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BatchPolicy, EvalReport } from './batch-policy.js';
import { runDemo } from './demo.js';
import type { EvaluatePolicyOptions } from './evaluate-run.js';
import { tempDir, testRegistry, tinyConfig } from './test-helpers.js';

describe('runDemo', () => {
  it('trains, evaluates the result and writes summary.json, in a fresh run folder each time', async () => {
    const root = tempDir();
    const evalCalls: EvaluatePolicyOptions[] = [];
    const options = {
      runsDir: join(root, 'runs'),
      cacheDir: join(root, 'cache'),
      registry: testRegistry(),
      experiment: {
        ...tinyConfig({ training: { steps: 3 }, eval: { episodesPerFamily: 2, executeSteps: 1 } }),
        name: 'demo',
      },
      generate: async () => {
        throw new Error('the synthetic experiment generates nothing');
      },
      evaluatePolicy: async (policy: BatchPolicy, opts: EvaluatePolicyOptions): Promise<EvalReport> => {
        evalCalls.push(opts);
        const chunks = await policy([
          {
            image: new Uint8Array(192),
            width: 8,
            height: 8,
            instruction: 'red block',
            state: new Float32Array(2),
          },
        ]);
        expect(chunks[0]).toHaveLength(4);
        return {
          episodes_per_family: 2,
          pc_success: 60,
          ci95: [20, 90],
          families: { a: { pc_success: 60, ci95: [20, 90] } },
        };
      },
    };
    const s1 = await runDemo(options);
    expect(s1.pc_success).toBe(60);
    expect(s1.train_steps).toBe(3);
    expect(s1.run_dir).toBe(join(root, 'runs', 'demo'));
    expect(evalCalls[0]).toMatchObject({ episodesPerFamily: 2, executeSteps: 1, imageSize: 8 });
    const summary = JSON.parse(readFileSync(join(root, 'runs', 'demo', 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ pc_success: 60, train_steps: 3 });
    expect(typeof summary.backend).toBe('string');
    expect(summary.total_seconds).toBeGreaterThanOrEqual(summary.train_seconds);
    expect(s1.onnx_pc_success).toBeUndefined();
    const exported: string[] = [];
    const s2 = await runDemo({
      ...options,
      exportAndEvaluate: async (runDir, evaluation) => {
        exported.push(runDir);
        expect(evaluation).toMatchObject({ episodesPerFamily: 2, imageSize: 8 });
        return {
          report: {
            episodes_per_family: 2,
            pc_success: 40,
            families: { a: { pc_success: 40, ci95: [5, 85] } },
          },
          parityMaxAbsDiff: 2e-6,
          bundleDir: join(runDir, 'policy'),
        };
      },
    });
    expect(exported).toEqual([join(root, 'runs', 'demo-2')]);
    expect(s2).toMatchObject({ onnx_pc_success: 40, parity_max_abs_diff: 2e-6, pc_success: 60 });
    expect(s2.run_dir).toBe(join(root, 'runs', 'demo-2'));
  });
});
