import { VlakitError } from '@vlakit/core';
import { describe, expect, it } from 'vitest';
import { parseDataConfig } from './data-config.js';

describe('dataConfigSchema', () => {
  it('fills documented defaults', () => {
    const c = parseDataConfig({ dir: 'runs/data' });
    expect(c).toMatchObject({
      dir: 'runs/data',
      format: 'lerobot',
      chunkLength: 8,
      valFraction: 0.1,
      imageKey: 'observation.image',
      stateKey: 'observation.state',
      actionKey: 'action',
      doneKey: 'auto',
      doneTarget: 'frame',
      actionsAfterDone: 'train',
      imageMemory: 'decoded',
      normalization: { state: 'MEAN_STD', action: 'MEAN_STD' },
      augmentation: { enabled: true, shift: 4, brightness: 0.2, contrast: 0.2, saturation: 0.2 },
    });
  });

  it('accepts one normalisation mode for both features, or one each', () => {
    expect(parseDataConfig({ dir: 'd', normalization: 'MIN_MAX' }).normalization).toEqual({
      state: 'MIN_MAX',
      action: 'MIN_MAX',
    });
    expect(parseDataConfig({ dir: 'd', normalization: { action: 'IDENTITY' } }).normalization).toEqual({
      state: 'MEAN_STD',
      action: 'IDENTITY',
    });
  });

  it('errors quote the field and value', () => {
    const bad = (raw: object, re: RegExp) => {
      try {
        parseDataConfig(raw, 'config.data');
        expect.unreachable();
      } catch (e) {
        expect(VlakitError.isInstance(e, 'config')).toBe(true);
        expect((e as Error).message).toMatch(re);
      }
    };
    bad({ dir: 'd', chunkLength: 0 }, /config\.data\.chunkLength \(0\)/);
    bad({ dir: 'd', valFraction: 1 }, /config\.data\.valFraction \(1\)/);
    bad({}, /config\.data\.dir \(undefined\)/);
    bad({ dir: 'd', augmentation: { shift: -2 } }, /config\.data\.augmentation\.shift \(-2\)/);
    bad({ dir: 'd', normalization: 'QUANTILES' }, /config\.data\.normalization/);
    bad({ dir: 'd', actionsAfterDone: 'drop' }, /config\.data\.actionsAfterDone \("drop"\).*"train".*"mask"/);
    bad({ dir: 'd', imageMemory: 'png' }, /config\.data\.imageMemory \("png"\)/);
    bad({ dir: 'd', chunk: 4 }, /unrecognized key.*chunk/i);
  });
});
