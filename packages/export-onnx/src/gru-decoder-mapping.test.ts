import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import { registerGruKernels, unregisterGruKernels } from '@vlakit/backend';
import { buildPipeline } from '@vlakit/core';
import { containerModule as gruModule } from '@vlakit/decoder-gru';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPipeline } from './export-pipeline.js';
import { ModelProtoSchema } from './gen/onnx_pb.js';
import { hasPythonOnnx, pythonCheckModels, registryWith, tempDir } from './test-helpers.js';

const ops = (path: string) =>
  fromBinary(ModelProtoSchema, readFileSync(path)).graph!.node.map((n) => n.opType);
const norm = { action: { mean: [0, 0], std: [1, 1] } };

/** A test pipeline ending in the gru decoder, exported twice: with its stage mapping and traced kernel by kernel. */
async function exportMappedAndTraced(stepInput: 'both' | 'queries' | 'fused') {
  const spec = {
    stages: {
      vision: { plugin: 'test-vision' },
      fusion: { plugin: 'test-fusion' },
      decoder: { plugin: 'gru', options: { chunk: 5, hidden: 12, stepInput, queryDim: 6 } },
    },
  };
  const p = buildPipeline(spec, registryWith(gruModule), { seed: 8 });
  const mapped = await exportPipeline(p, { outDir: join(tempDir(), 'a'), normalization: norm });
  const traced = await exportPipeline(p, {
    outDir: join(tempDir(), 'b'),
    normalization: norm,
    traceAll: true,
  });
  return { p, mapped, traced };
}

describe('@vlakit/decoder-gru exports as one ONNX GRU op', () => {
  it.each(['both', 'queries', 'fused'] as const)(
    'stepInput %s: GRU node, parity with tfjs, fewer nodes than the unrolled trace',
    async (stepInput) => {
      const { p, mapped, traced } = await exportMappedAndTraced(stepInput);
      expect(mapped.parityMaxAbsDiff).toBeLessThan(1e-4);
      expect(traced.parityMaxAbsDiff).toBeLessThan(1e-4);
      expect(ops(mapped.modelPath).filter((o) => o === 'GRU')).toHaveLength(1);
      expect(ops(traced.modelPath)).not.toContain('GRU');
      expect(mapped.nodeCount).toBeLessThan(traced.nodeCount);
      expect(mapped.kernelCounts['decoder']).toEqual({ 'stage:decoder': 1 });
      if (hasPythonOnnx()) expect(pythonCheckModels([mapped.modelPath])).toEqual([]);
      p.dispose();
    },
  );
});

describe('@vlakit/decoder-gru with the fused GRU kernel registered (@vlakit/backend)', () => {
  beforeAll(() => registerGruKernels());
  afterAll(() => unregisterGruKernels());

  it.each(['both', 'queries', 'fused'] as const)(
    'stepInput %s: traceAll sees VlakitGruSequence and unrolls it; the stage mapping still emits one GRU',
    async (stepInput) => {
      const { p, mapped, traced } = await exportMappedAndTraced(stepInput);
      expect(traced.kernelCounts['decoder']).toHaveProperty('VlakitGruSequence', 1);
      expect(mapped.parityMaxAbsDiff).toBeLessThan(1e-4);
      expect(traced.parityMaxAbsDiff).toBeLessThan(1e-4);
      expect(ops(mapped.modelPath).filter((o) => o === 'GRU')).toHaveLength(1);
      expect(ops(traced.modelPath)).not.toContain('GRU');
      if (hasPythonOnnx()) expect(pythonCheckModels([traced.modelPath])).toEqual([]);
      p.dispose();
    },
  );
});
