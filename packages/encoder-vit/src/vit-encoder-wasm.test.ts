import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, maxAbsDiff, testImage } from './test-helpers.js';
import { VitEncoderPlugin } from './vit-encoder-plugin.js';

/* The same forward pass and its gradients on the stock tfjs-wasm backend (no kernel fixes). */

const plugin = new VitEncoderPlugin({ info: () => {}, warn: () => {} } as never);
const ctx = { name: 'vision', seed: 1, upstream: {} };

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

describe('vit on the wasm backend', () => {
  it('runs on wasm and gets a gradient for every variable', () => {
    expect(tf.getBackend()).toBe('wasm');
    const stage = plugin.create({ imageSize: 16, patchSize: 4, dim: 16, heads: 2 }, ctx);
    stage.build();
    const image = testImage(2, 16);
    const vars = [...stage.variables()];
    const { value, grads } = tf.variableGrads(
      () => tf.tidy(() => tf.sum(tf.square(stage.forward({ image })['tokens']!)) as tf.Scalar),
      vars.map(([, v]) => v),
    );
    for (const [name, v] of vars) {
      const g = grads[v.name]!.dataSync();
      expect(g.some((x) => x !== 0) && g.every(Number.isFinite), `gradient of ${name}`).toBe(true);
    }
    tf.dispose([value, image, ...Object.values(grads)]);
    stage.dispose();
  });

  it('matches the torch reference on wasm too', async () => {
    const ckpt = join(FIXTURES, 'vit-tiny');
    const ref = JSON.parse(readFileSync(join(FIXTURES, 'vit-reference.json'), 'utf8')) as {
      tokens32: number[][][];
    };
    const stage = plugin.create({ hfCheckpoint: ckpt, imageSize: 32 }, ctx);
    await stage.loadPretrained(ckpt);
    const image = testImage(2, 32);
    const out = stage.forward({ image });
    expect(maxAbsDiff(out['tokens']!.dataSync(), ref.tokens32.flat(2))).toBeLessThanOrEqual(1e-4);
    tf.dispose([image, ...Object.values(out)]);
    stage.dispose();
  });
});
