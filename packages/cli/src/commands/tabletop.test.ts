import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvaluatePolicyOptions } from '@vlakit/trainer';
import { describe, expect, it } from 'vitest';
import { recordRollouts } from './tabletop.js';

describe('recordRollouts', () => {
  it("keeps the first evaluation's first episode per family and writes filmstrips", async () => {
    const seen: EvaluatePolicyOptions[] = [];
    const report = { episodes_per_family: 2, pc_success: 0, families: {} };
    const fake = async (_p: unknown, o: EvaluatePolicyOptions) => {
      seen.push(o);
      const onStep = (
        o as { onStep?: (ep: { family: string; index: number }, env: { render(): Uint8Array }) => void }
      ).onStep;
      for (const family of ['a', 'b'])
        for (const index of [0, 1])
          for (let s = 0; s < 3; s++)
            onStep?.({ family, index }, { render: () => new Uint8Array(8 * 8 * 3).fill(s * 50) });
      return report;
    };
    const r = recordRollouts(fake);
    await r.evaluatePolicy(() => [], { imageSize: 8 });
    await r.evaluatePolicy(() => [], { imageSize: 8 });
    expect('onStep' in seen[0]!).toBe(true);
    expect('onStep' in seen[1]!).toBe(false);
    const dir = mkdtempSync(join(tmpdir(), 'rollouts-'));
    const files = r.write(dir);
    expect(files.map((f) => f.slice(dir.length))).toEqual([
      join('/report', 'rollout-a.png'),
      join('/report', 'rollout-b.png'),
    ]);
    for (const f of files) expect(existsSync(f)).toBe(true);
  });
});
