import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildPipeline } from '@vlakit/core';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { attentionOverlay, writeAttentionMaps } from './attention-maps.js';
import { syntheticTrainingData } from './synthetic-source.js';
import { tempDir, testRegistry } from './test-helpers.js';

describe('attention maps', () => {
  it('attentionOverlay reddens the attended cell only', () => {
    const img = new Float32Array(4 * 4 * 3).fill(0.5);
    const out = attentionOverlay(img, 4, 4, [0, 0, 0, 1]); // 2x2 grid: bottom-right attended
    const px = (x: number, y: number) => [...out.data.subarray((y * 4 + x) * 3, (y * 4 + x) * 3 + 3)];
    expect(px(0, 0)).toEqual([128, 128, 128]);
    expect(px(3, 3)[0]).toBeGreaterThan(200);
    expect(px(3, 3)[1]).toBeLessThan(60);
  });

  it('writes one PNG per sample for inspections over the vision tokens, leaking nothing', () => {
    // test-vision at 8x8 with 4x4 patches has 4 tokens; test-language of length 4 makes the
    // fusion's languageWeights (B, 4) line up with them, which exercises the writer
    const pipeline = buildPipeline(
      {
        stages: {
          vision: { plugin: 'test-vision' },
          language: { plugin: 'test-language', options: { maxLength: 4 } },
          fusion: { plugin: 'test-fusion' },
          decoder: { plugin: 'test-decoder' },
        },
      },
      testRegistry(),
    );
    const data = syntheticTrainingData({ seed: 1, batchSize: 3, imageSize: 8, chunk: 2 });
    const dir = tempDir();
    const before = tf.memory().numTensors;
    const files = writeAttentionMaps(pipeline, data.train.next() as never, dir, 2);
    expect(tf.memory().numTensors).toBe(before);
    expect(files.map((f) => f.slice(dir.length))).toEqual([
      join('/report', 'attention-fusion-languageWeights-0.png'),
      join('/report', 'attention-fusion-languageWeights-1.png'),
    ]);
    expect(existsSync(files[0]!)).toBe(true);
    expect(decode(readFileSync(files[0]!)).width).toBe(8);
    pipeline.dispose();
  });
});
