import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildPipeline,
  createVlakitContainer,
  memoryLogger,
  StageRegistry,
  type TensorToWrite,
  writeSafetensorsFile,
} from '@vlakit/core';
import { testStagesModule } from '@vlakit/core/testing';
import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { projectWithTestStages } from '../test-project.js';
import { runCaptured } from '../test-run.js';

const run = runCaptured;

const pipeline = {
  stages: {
    vision: { plugin: 'test-vision' },
    language: { plugin: 'test-language' },
    fusion: { plugin: 'test-fusion' },
    decoder: { plugin: 'test-decoder' },
  },
};

/** A project with a plugin package serving core's test stages, and a run folder trained with them. */
function projectWithRun(): { root: string; run: string } {
  const root = projectWithTestStages();
  const runDir = join(root, 'runs', 'tiny');
  mkdirSync(join(runDir, 'checkpoints', 'step-3'), { recursive: true });
  writeFileSync(join(runDir, 'config.json'), JSON.stringify({ name: 'tiny', seed: 1, pipeline }));
  const container = createVlakitContainer({ logger: memoryLogger() });
  container.load(testStagesModule);
  const p = buildPipeline(pipeline, StageRegistry.fromContainer(container), { seed: 9 });
  const tensors = new Map<string, TensorToWrite>();
  for (const [name, v] of p.variables())
    tensors.set(name, { dtype: 'F32', shape: v.shape, data: v.dataSync() as Float32Array });
  writeSafetensorsFile(join(runDir, 'checkpoints', 'step-3', 'model.safetensors'), tensors);
  writeFileSync(
    join(runDir, 'checkpoints', 'step-3', 'state.json'),
    JSON.stringify({
      step: 3,
      normalization: { action: { mean: [0, 0], std: [0.05, 0.05] }, state: { mean: [0, 0], std: [1, 1] } },
    }),
  );
  p.dispose();
  const img = new Uint8Array(8 * 8 * 3).map((_, i) => (i * 13) % 256);
  writeFileSync(join(root, 'frame.png'), encode({ width: 8, height: 8, data: img, channels: 3, depth: 8 }));
  writeFileSync(
    join(root, 'big.png'),
    encode({ width: 16, height: 16, data: new Uint8Array(16 * 16 * 4), channels: 4, depth: 8 }),
  );
  return { root, run: runDir };
}

describe('vla export and vla infer', () => {
  const { root, run: runDir } = projectWithRun();

  it('vla export --run writes the bundle and reports the parity', async () => {
    const r = await run(['export', '--run', runDir, '--json'], root);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.lastLine);
    expect(out.bundle).toBe(join(runDir, 'policy'));
    expect(out.parity_max_abs_diff).toBeLessThan(1e-4);
    expect(existsSync(join(runDir, 'policy', 'model.onnx'))).toBe(true);
    expect(r.stderr).toMatch(/export: parity batch 4/);
  });

  it('vla infer --policy prints a (T, A) chunk and a done probability', async () => {
    const r = await run(
      [
        'infer',
        '--policy',
        join(runDir, 'policy'),
        '--image',
        'frame.png',
        '--instruction',
        'push the red block',
        '--json',
      ],
      root,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.lastLine);
    expect(out.actions).toHaveLength(2);
    expect(out.actions[0]).toHaveLength(2);
    expect(out.done).toBeGreaterThan(0);
    expect(out.done).toBeLessThan(1);
    const human = await run(
      ['infer', '--policy', join(runDir, 'policy'), '--image', 'frame.png', '--instruction', 'go'],
      root,
    );
    expect(human.stdout).toMatch(/actions \(2 x 2, metres\)/);
  });

  it('bad flags and inputs fail with messages naming them', async () => {
    const noRun = await run(['export', '--run', 'nowhere'], root);
    expect(noRun.code).toBe(1);
    expect(noRun.stderr).toMatch(/--run "nowhere" is not a run folder/);
    const badCk = await run(['export', '--run', runDir, '--checkpoint', 'first'], root);
    expect(badCk.stderr).toMatch(/--checkpoint "first" must be best, last or a step number/);
    const big = await run(
      ['infer', '--policy', join(runDir, 'policy'), '--image', 'big.png', '--instruction', 'go'],
      root,
    );
    expect(big.code).toBe(1);
    expect(big.stderr).toMatch(/image is 16x16 .* the policy expects 8x8x3/);
    const empty = await run(
      ['infer', '--policy', join(runDir, 'policy'), '--image', 'frame.png', '--instruction', ''],
      root,
    );
    expect(empty.stderr).toMatch(/instruction must be a non-empty string/);
    const missing = await run(
      ['infer', '--policy', join(runDir, 'policy'), '--image', 'none.png', '--instruction', 'go'],
      root,
    );
    expect(missing.stderr).toMatch(/--image ".*none.png" does not exist/);
    const noStart = await run(
      [
        'infer',
        '--policy',
        join(runDir, 'policy'),
        '--image',
        'frame.png',
        '--start-image',
        'none.png',
        '--instruction',
        'go',
      ],
      root,
    );
    expect(noStart.stderr).toMatch(/--start-image ".*none.png" does not exist/);
    const noBundle = await run(
      ['infer', '--policy', root, '--image', 'frame.png', '--instruction', 'go'],
      root,
    );
    expect(noBundle.stderr).toMatch(/no policy bundle at/);
  });
});
