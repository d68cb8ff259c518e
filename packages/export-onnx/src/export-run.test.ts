import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildPipeline,
  discoverPluginPackages,
  loadStageRegistry,
  type TensorToWrite,
  writeSafetensorsFile,
} from '@vlakit/core';
import { loadPolicy } from '@vlakit/runtime-onnx';
import { describe, expect, it } from 'vitest';
import { exportRun, pickCheckpoint } from './export-run.js';
import { registryWith, tempDir } from './test-helpers.js';

const pipelineSpec = {
  stages: {
    vision: { plugin: 'test-vision' },
    language: { plugin: 'test-language' },
    fusion: { plugin: 'test-fusion' },
    decoder: { plugin: 'test-decoder' },
  },
};
const normalization = {
  action: { mean: [0.001, 0.002], std: [0.03, 0.02] },
  state: { mean: [0.1, 0.2], std: [0.1, 0.1] },
};

/** A run folder as ARCHITECTURE.md and the trainer lay it out. */
function makeRun(
  steps: number[],
  best?: number,
  spec: object = pipelineSpec,
  registry = registryWith(),
): string {
  const run = join(tempDir('vlakit-run-'), 'runs', 'tiny');
  mkdirSync(run, { recursive: true });
  writeFileSync(join(run, 'config.json'), JSON.stringify({ name: 'tiny', seed: 4, pipeline: spec }));
  for (const step of steps) {
    // weights differ from a fresh build: built with another seed
    const p = buildPipeline(spec, registry, { seed: 100 + step });
    const tensors = new Map<string, TensorToWrite>();
    for (const [name, v] of p.variables())
      tensors.set(name, { dtype: 'F32', shape: v.shape, data: v.dataSync() as Float32Array });
    const dir = join(run, 'checkpoints', `step-${step}`);
    mkdirSync(dir, { recursive: true });
    writeSafetensorsFile(join(dir, 'model.safetensors'), tensors);
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ step, normalization }));
    p.dispose();
  }
  if (best !== undefined)
    writeFileSync(join(run, 'checkpoints', 'best.json'), JSON.stringify({ step: best }));
  return run;
}

describe('exportRun', () => {
  it('exports the best checkpoint of a run folder to <run>/policy with its statistics and source', async () => {
    const run = makeRun([2, 4], 2);
    const r = await exportRun(run, { registry: registryWith() });
    expect(r.bundleDir).toBe(join(run, 'policy'));
    expect(r.policy.source).toMatchObject({ run, step: 2 });
    expect(r.policy.normalization.action).toEqual(normalization.action);
    expect(r.parityMaxAbsDiff).toBeLessThan(1e-4);
    const policy = await loadPolicy(r.bundleDir);
    const out = await policy.act({
      image: new Uint8Array(8 * 8 * 3).fill(100),
      instruction: 'push the red block',
    });
    expect(out.actions).toHaveLength(2);
    await policy.close();
  });

  it('loads the checkpoint weights (not fresh ones): two steps give two policies', async () => {
    const run = makeRun([2, 4]);
    const a = await exportRun(run, { registry: registryWith(), checkpoint: 2, outDir: join(run, 'p2') });
    const b = await exportRun(run, { registry: registryWith(), checkpoint: 'last', outDir: join(run, 'p4') });
    expect(b.policy.source.step).toBe(4);
    const pa = await loadPolicy(a.bundleDir);
    const pb = await loadPolicy(b.bundleDir);
    const obs = { image: new Uint8Array(8 * 8 * 3).fill(50), instruction: 'move left' };
    expect((await pa.act(obs)).actions).not.toEqual((await pb.act(obs)).actions);
    await pa.close();
    await pb.close();
  });

  it('says what is missing from a folder that is not a run', async () => {
    await expect(exportRun(tempDir())).rejects.toThrow(/is not a run folder: it has no config.json/);
    const run = makeRun([]);
    expect(() => pickCheckpoint(run)).toThrow(/has no checkpoint with a model.safetensors/);
    const run2 = makeRun([3]);
    expect(() => pickCheckpoint(run2, 7)).toThrow(/has no checkpoint step 7; it has 3/);
    writeFileSync(join(run2, 'checkpoints', 'step-3', 'state.json'), JSON.stringify({ step: 3 }));
    await expect(exportRun(run2, { registry: registryWith() })).rejects.toThrow(
      /has no normalization.action/,
    );
  });

  it('without a registry, finds the installed stage plugins (vit, bert, cross-attention, gru)', async () => {
    const cli = fileURLToPath(new URL('../../cli', import.meta.url));
    const spec = {
      stages: {
        vision: {
          plugin: 'vit',
          options: { imageSize: 16, patchSize: 8, dim: 16, depth: 1, heads: 2, mlpDim: 32 },
        },
        language: { plugin: 'bert', options: { maxLength: 8, dim: 16, depth: 1, heads: 2, mlpDim: 32 } },
        fusion: { plugin: 'cross-attention' },
        decoder: { plugin: 'gru', options: { chunk: 4, hidden: 16 } },
      },
    };
    const { registry } = await loadStageRegistry(
      discoverPluginPackages([cli]).map((p) => p.name),
      { resolveFrom: [cli] },
    );
    const run = makeRun([1], undefined, spec, registry);
    const r = await exportRun(run, { resolveFrom: [cli] });
    expect(r.parityMaxAbsDiff).toBeLessThan(1e-4);
    expect(r.policy.tokenizer?.kind).toBe('huggingface');
    const policy = await loadPolicy(r.bundleDir);
    const out = await policy.act({
      image: new Uint8Array(16 * 16 * 3).fill(90),
      instruction: 'push the red moon left',
    });
    expect(out.actions).toHaveLength(4);
    await policy.close();
  });
});
