import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVlakitContainer, memoryLogger, StageRegistry } from '@vlakit/core';
import { testStagesModule } from '@vlakit/core/testing';
import { parseTrainExperiment, type TrainExperimentConfig } from './training-config.js';

export function testRegistry(): StageRegistry {
  const container = createVlakitContainer({ logger: memoryLogger() });
  container.load(testStagesModule);
  return StageRegistry.fromContainer(container);
}

/** A tiny experiment on core's test stages and the synthetic source (8x8 images, chunk 2). */
export function tinyConfig(overrides: Record<string, unknown> = {}): TrainExperimentConfig {
  const base = {
    name: 'tiny',
    seed: 3,
    pipeline: {
      stages: {
        vision: { plugin: 'test-vision' },
        language: { plugin: 'test-language' },
        state: { plugin: 'test-state' },
        fusion: { plugin: 'test-fusion' },
        decoder: { plugin: 'test-decoder' },
      },
    },
    data: { source: 'synthetic', imageSize: 8, chunkLength: 2 },
    training: {
      steps: 6,
      batchSize: 4,
      checkpointEvery: 3,
      validateEvery: 3,
      validationBatches: 1,
      augment: { shift: 1, brightness: 0.1 },
    },
    eval: { atEnd: false },
  };
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    const b = (base as Record<string, unknown>)[k];
    const mergeable =
      k !== 'data' && typeof v === 'object' && v !== null && !Array.isArray(v) && typeof b === 'object';
    merged[k] = mergeable ? { ...b, ...v } : v;
  }
  return parseTrainExperiment(merged);
}

export function tempDir(prefix = 'vlakit-trainer-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
