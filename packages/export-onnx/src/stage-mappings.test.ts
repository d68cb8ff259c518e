import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import * as tf from '@tensorflow/tfjs';
import { buildPipeline } from '@vlakit/core';
import { loadPolicy } from '@vlakit/runtime-onnx';
import { describe, expect, it } from 'vitest';
import { exportPipeline } from './export-pipeline.js';
import { ModelProtoSchema } from './gen/onnx_pb.js';
import { hasPythonOnnx, pythonCheckModels, registryWith, tempDir } from './test-helpers.js';
import { extraStagesModule } from './test-stages-extra.js';

const norm = { action: { mean: [0, 0], std: [1, 1] } };
const registry = registryWith(extraStagesModule);

function opsOf(path: string): string[] {
  return fromBinary(ModelProtoSchema, readFileSync(path)).graph!.node.map((n) => n.opType);
}

describe('stages export', () => {
  it('a third-party encoder written only in tfjs ops (conv patchify, layer norm, attention, erf-GELU) exports with no ONNX code', async () => {
    const p = buildPipeline(
      {
        stages: {
          vision: { plugin: 'tiny-vit' },
          language: { plugin: 'test-language' },
          fusion: { plugin: 'test-fusion' },
          decoder: { plugin: 'test-decoder' },
        },
      },
      registry,
      { seed: 5 },
    );
    const r = await exportPipeline(p, { outDir: join(tempDir(), 'policy'), normalization: norm });
    expect(r.parityMaxAbsDiff).toBeLessThan(1e-4);
    expect(Object.keys(r.kernelCounts['vision']!)).toEqual(
      expect.arrayContaining(['Conv2D', 'Softmax', 'Erf', 'Rsqrt', 'BatchMatMul']),
    );
    const ops = opsOf(r.modelPath);
    expect(ops).toEqual(expect.arrayContaining(['Conv', 'Softmax', 'Erf', 'MatMul', 'ReduceMean']));
    if (hasPythonOnnx()) expect(pythonCheckModels([r.modelPath])).toEqual([]);
    p.dispose();
  });

  it('a stage with its own mapping (GRU decoder -> ONNX GRU op) replaces its traced kernels', async () => {
    const traced = buildPipeline(
      {
        stages: {
          vision: { plugin: 'test-vision' },
          fusion: { plugin: 'test-fusion' },
          decoder: { plugin: 'test-gru' },
        },
      },
      registry,
      { seed: 2 },
    );
    const mapped = buildPipeline(
      {
        stages: {
          vision: { plugin: 'test-vision' },
          fusion: { plugin: 'test-fusion' },
          decoder: { plugin: 'test-gru-onnx' },
        },
      },
      registry,
      { seed: 2 },
    );
    const a = await exportPipeline(traced, { outDir: join(tempDir(), 'a'), normalization: norm });
    const b = await exportPipeline(mapped, { outDir: join(tempDir(), 'b'), normalization: norm });
    expect(a.parityMaxAbsDiff).toBeLessThan(1e-4);
    expect(b.parityMaxAbsDiff).toBeLessThan(1e-4);
    const opsA = opsOf(a.modelPath);
    const opsB = opsOf(b.modelPath);
    expect(opsA).not.toContain('GRU');
    expect(opsB.filter((o) => o === 'GRU')).toHaveLength(1);
    expect(opsB.length).toBeLessThan(opsA.length);
    expect(b.kernelCounts['decoder']).toEqual({ 'stage:decoder': 1 });
    if (hasPythonOnnx()) expect(pythonCheckModels([a.modelPath, b.modelPath])).toEqual([]);
    traced.dispose();
    mapped.dispose();
  });

  it('external data: initializers go to model.onnx.data and the bundle still loads and matches', async () => {
    const p = buildPipeline(
      {
        stages: {
          vision: { plugin: 'tiny-vit' },
          fusion: { plugin: 'test-fusion' },
          decoder: { plugin: 'test-decoder' },
        },
      },
      registry,
    );
    const dir = join(tempDir(), 'policy');
    const r = await exportPipeline(p, { outDir: dir, normalization: norm, externalData: true });
    expect(r.policy.external_data).toBe('model.onnx.data');
    const policy = await loadPolicy(dir);
    expect(
      (await policy.act({ image: new Uint8Array(8 * 8 * 3).fill(7), instruction: 'go' })).actions,
    ).toHaveLength(2);
    await policy.close();
    expect(readFileSync(join(dir, 'model.onnx.data')).length).toBeGreaterThan(1024);
    expect(r.parityMaxAbsDiff).toBeLessThan(1e-4);
    if (hasPythonOnnx()) expect(pythonCheckModels([r.modelPath])).toEqual([]);
    p.dispose();
  });

  it('an unsupported kernel in a pipeline stage fails the export naming the kernel, the stage and its plugin', async () => {
    const p = buildPipeline(
      {
        stages: {
          vision: { plugin: 'test-vision' },
          fusion: { plugin: 'test-fusion' },
          decoder: { plugin: 'test-decoder' },
        },
      },
      registry,
    );
    p.build();
    const vision = p.stage('vision');
    const original = vision.forward.bind(vision);
    (vision as { forward: typeof original }).forward = (inputs, options) => {
      const out = original(inputs, options);
      return { ...out, tokens: tf.cumsum(out['tokens']!, 1) }; // (B, N, D)
    };
    const dir = join(tempDir(), 'policy');
    await expect(exportPipeline(p, { outDir: dir, normalization: norm })).rejects.toThrow(
      /unsupported tfjs kernel 'Cumsum' in stage 'vision' \(plugin test-vision\)/,
    );
    p.dispose();
  });
});
