import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BatchPolicy, EvalReport } from './batch-policy.js';
import { runDemo } from './demo.js';
import type { EvaluatePolicyOptions } from './evaluate-run.js';
import { tempDir, testRegistry, tinyConfig } from './test-helpers.js';

describe('runDemo', () => {
  it('generates once (then reuses the cache), trains, evaluates and writes summary.json', async () => {
    const root = tempDir();
    const generated: string[] = [];
    const evalCalls: EvaluatePolicyOptions[] = [];
    const options = {
      runsDir: join(root, 'runs'),
      cacheDir: join(root, 'cache'),
      registry: testRegistry(),
      experiment: {
        ...tinyConfig({ training: { steps: 3 }, eval: { episodesPerFamily: 2, executeSteps: 1 } }),
        name: 'demo',
      },
      generation: { episodesPerFamily: 2 },
      generate: async ({ dir }: { dir: string }) => {
        generated.push(dir);
        mkdirSync(join(dir, 'meta'), { recursive: true });
        writeFileSync(join(dir, 'meta', 'info.json'), '{}');
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
    expect(generated).toHaveLength(1);
    expect(s1.pc_success).toBe(60);
    expect(s1.train_steps).toBe(3);
    expect(s1.run_dir).toBe(join(root, 'runs', 'demo'));
    expect(evalCalls[0]).toMatchObject({ episodesPerFamily: 2, executeSteps: 1, imageSize: 8 });
    expect(JSON.parse(readFileSync(join(root, 'runs', 'demo', 'summary.json'), 'utf8')).pc_success).toBe(60);
    expect(existsSync(join(root, 'runs', 'demo', 'report', 'loss-curve.png'))).toBe(true);
    const s2 = await runDemo(options);
    expect(generated).toHaveLength(1); // cached
    expect(s2.run_dir).toBe(join(root, 'runs', 'demo-2'));
  });
});
