import { VlakitError } from '@vlakit/core';
import { describe, expect, it } from 'vitest';
import { tinyConfig } from './test-helpers.js';
import { parseTrainExperiment } from './training-config.js';

function configError(raw: unknown): string {
  try {
    parseTrainExperiment(raw);
  } catch (e) {
    expect(VlakitError.isInstance(e, 'config')).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected a config error');
}

const pipeline = { stages: { fusion: { plugin: 'test-fusion' }, decoder: { plugin: 'test-decoder' } } };

describe('parseTrainExperiment', () => {
  it('fills documented defaults for data, training and eval', () => {
    const c = parseTrainExperiment({ pipeline });
    expect(c.training.optimizer.type).toBe('adamw');
    expect(c.training.schedule.type).toBe('warmup-cosine');
    expect(c.training.actionLoss).toBe('mse');
    expect(c.data.source).toBe('synthetic');
    expect(c.eval.episodesPerFamily).toBe(50);
  });

  it('errors quote the bad values and name the fields', () => {
    const msg = configError({
      pipeline,
      training: { learningRate: -1, optimizer: { type: 'rmsprop' }, batchSize: 2.5, actionLoss: 'huber' },
      data: { chunkLength: 0 },
    });
    expect(msg).toContain('config.training.learningRate (-1)');
    expect(msg).toContain('config.training.optimizer.type ("rmsprop")');
    expect(msg).toContain('config.training.batchSize (2.5)');
    expect(msg).toContain('config.training.actionLoss ("huber")');
    expect(msg).toContain('config.data.chunkLength (0)');
  });

  it('rejects unknown training keys (typos) by name', () => {
    expect(configError({ pipeline, training: { stpes: 10 } })).toContain('stpes');
  });

  it('the test helper config round-trips', () => {
    expect(tinyConfig().training.steps).toBe(6);
  });
});
