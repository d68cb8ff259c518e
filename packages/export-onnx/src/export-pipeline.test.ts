import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildPipeline, VlakitError } from '@vlakit/core';
import { describe, expect, it } from 'vitest';
import { exportPipeline } from './export-pipeline.js';
import type { PolicySpecV1 } from './policy-spec.js';
import { hasPythonOnnx, pythonCheckModel, registryWith, tempDir } from './test-helpers.js';

const norm = { action: { mean: [0.01, -0.02], std: [0.05, 0.04] } };

describe('exportPipeline on the core test stages', () => {
  it('writes model.onnx + policy.json that match tfjs at batch 1 and 4', async () => {
    const p = buildPipeline(
      {
        stages: {
          vision: { plugin: 'test-vision' },
          language: { plugin: 'test-language' },
          fusion: { plugin: 'test-fusion' },
          decoder: { plugin: 'test-decoder' },
        },
      },
      registryWith(),
      { seed: 3 },
    );
    const before = tf.memory().numTensors;
    const out = tempDir();
    const r = await exportPipeline(p, {
      outDir: join(out, 'policy'),
      normalization: norm,
      meta: { run: 'runs/x', step: 10 },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.parityMaxAbsDiff).toBeLessThan(1e-5);
    expect(r.parity.map((x) => x.batch)).toEqual([1, 4]);
    const policy = JSON.parse(readFileSync(join(out, 'policy', 'policy.json'), 'utf8')) as PolicySpecV1;
    expect(policy.inputs.map((i) => [i.name, i.role])).toEqual([
      ['image', 'image'],
      ['tokenIds', 'token_ids'],
      ['mask', 'token_mask'],
    ]);
    expect(policy.chunk_length).toBe(2);
    expect(policy.action.dim).toBe(2);
    expect(policy.source).toMatchObject({ run: 'runs/x', step: 10 });
    expect(policy.tokenizer?.kind).toBe('char');
    expect(existsSync(join(out, 'policy', 'tokenizer', 'tokenizer.json'))).toBe(true);
    if (hasPythonOnnx()) {
      const c = pythonCheckModel(r.modelPath);
      expect(c.message).toBe('ok');
    } else console.warn('python3-onnx is not installed (apt-get install python3-onnx): onnx.checker skipped');
    p.dispose();
  });

  it('rejects normalisation statistics of the wrong length, naming both sizes', async () => {
    const p = buildPipeline(
      {
        stages: {
          vision: { plugin: 'test-vision' },
          fusion: { plugin: 'test-fusion' },
          decoder: { plugin: 'test-decoder' },
        },
      },
      registryWith(),
    );
    const out = tempDir();
    await expect(
      exportPipeline(p, {
        outDir: join(out, 'policy'),
        normalization: { action: { mean: [0, 0, 0], std: [1, 1, 1] } },
      }),
    ).rejects.toThrow(/normalization.action has 3 means and 3 stds; the policy's action has 2 dimensions/);
    expect(existsSync(join(out, 'policy'))).toBe(false);
    p.dispose();
    void VlakitError;
  });
});
