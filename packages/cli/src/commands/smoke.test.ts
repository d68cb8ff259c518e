import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEMO_EXPERIMENT,
  loadTrainExperimentFile,
  parseTrainExperiment,
  TABLETOP_KEYPOINTS,
} from '@vlakit/trainer';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../cli-io.js';
import { runCli } from '../program.js';

const smokeConfig = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../../apps/examples/configs/smoke.yaml',
);

const benchmarkConfig = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../../apps/examples/benchmark/benchmark.yaml',
);

describe('apps/examples/benchmark/benchmark.yaml', () => {
  it("is a valid experiment: the demo's pipeline, keypoint mapping and data recipe, trained longer", () => {
    const c = loadTrainExperimentFile(benchmarkConfig);
    expect(c.pipeline.stages).toEqual(parseTrainExperiment(DEMO_EXPERIMENT).pipeline.stages);
    expect(c.training.keypointLoss?.points).toEqual(TABLETOP_KEYPOINTS.points);
    expect(c.training.keypointLoss?.rowRange).toEqual(TABLETOP_KEYPOINTS.rowRange);
    expect(c.training.keypointLoss?.colRange).toEqual(TABLETOP_KEYPOINTS.colRange);
    expect(c.data).toMatchObject({ source: 'tabletop', actionsAfterDone: 'mask', imageMemory: 'compressed' });
    const demoData = DEMO_EXPERIMENT.data;
    if (c.data.source !== 'tabletop') throw new Error('expected tabletop data');
    expect(c.data.generate.episodesPerFamily).toBeGreaterThan(demoData.generate.episodesPerFamily);
    expect(c.training.steps).toBeGreaterThan(20000);
    expect(c.eval).toMatchObject({ executeSteps: 1, episodesPerFamily: 50, seed: DEMO_EXPERIMENT.eval.seed });
  });
});

describe('apps/examples/configs/smoke.yaml', () => {
  it('generates a tiny dataset, trains 50 steps, checkpoints and evaluates in the simulator', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'vla-smoke-'));
    copyFileSync(smokeConfig, join(cwd, 'smoke.yaml'));
    let stdout = '';
    let stderr = '';
    const io: CliIo = {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      cwd,
      interactive: false,
    };
    const t0 = performance.now();
    const code = await runCli(['train', '--config', 'smoke.yaml', '--json'], io);
    const seconds = (performance.now() - t0) / 1000;
    expect(stderr).not.toMatch(/^error/m);
    expect(code).toBe(0);
    const out = JSON.parse(stdout.trimEnd().split('\n').at(-1)!);
    expect(out.steps).toBe(50);
    expect(Number.isFinite(out.final_loss)).toBe(true);
    expect(Object.keys(out.eval.families)).toHaveLength(5);
    expect(existsSync(join(cwd, 'runs', 'smoke', 'checkpoints', 'step-50', 'model.safetensors'))).toBe(true);
    expect(existsSync(join(cwd, 'runs', 'smoke', 'report', 'loss-curve.png'))).toBe(true);
    console.log(`smoke.yaml: ${seconds.toFixed(1)} s, backend ${out.backend}, train ${out.train_seconds} s`);
  });
});
