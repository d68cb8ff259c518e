import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { BertEncoderPlugin } from './bert-encoder-plugin.js';
import { FIXTURES, maxAbsDiff, silentLogger } from './test-helpers.js';

/*
 * The same forward pass and its gradients on tfjs-wasm. Stock tfjs-wasm 4.22 lacks
 * UnsortedSegmentSum, the gradient kernel of gather (every embedding lookup); @vlakit/backend
 * registers a fallback for it. This test registers a plain-JS one so it needs no other package.
 */
function registerUnsortedSegmentSum(): void {
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend: anyBackend, attrs }) => {
      const backend = anyBackend as tf.KernelBackend;
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const n = (attrs as { numSegments: number }).numSegments;
      const values = backend.readSync(x.dataId) as Float32Array; // (S, ...inner)
      const ids = backend.readSync(segmentIds.dataId) as Int32Array; // (S)
      const inner = values.length / ids.length;
      const out = new Float32Array(n * inner); // (numSegments, ...inner)
      for (let i = 0; i < ids.length; i++)
        for (let j = 0; j < inner; j++) out[ids[i]! * inner + j]! += values[i * inner + j]!;
      const shape = [n, ...x.shape.slice(segmentIds.shape.length)];
      return { dataId: backend.write(out, shape, 'float32'), shape, dtype: 'float32' };
    },
  });
}

const plugin = new BertEncoderPlugin(silentLogger);
const ctx = { name: 'language', seed: 1, upstream: {} };

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

describe('bert on the wasm backend', () => {
  it('matches the torch reference on wasm', async () => {
    const ckpt = join(FIXTURES, 'bert-tiny');
    const ref = JSON.parse(readFileSync(join(FIXTURES, 'bert-reference.json'), 'utf8'));
    const stage = plugin.create({ hfCheckpoint: ckpt, maxLength: 10 }, ctx);
    await stage.loadPretrained(ckpt);
    const tokenIds = tf.tensor2d(ref.ids.flat(), [2, 10], 'int32');
    const mask = tf.tensor2d(ref.mask.flat(), [2, 10]);
    const out = stage.forward({ tokenIds, mask });
    expect(tf.getBackend()).toBe('wasm');
    expect(maxAbsDiff(out['tokens']!.dataSync(), ref.tokens.flat(2))).toBeLessThanOrEqual(1e-4);
    tf.dispose([tokenIds, mask, ...Object.values(out)]);
    stage.dispose();
  });

  it('gets a gradient for every variable on wasm (with the gather-gradient kernel registered)', () => {
    registerUnsortedSegmentSum();
    const stage = plugin.create({ dim: 16, heads: 2, maxLength: 8 }, ctx);
    stage.build();
    const enc = stage.tokenizer.encode(['push the red star', 'move the blue moon to the left']);
    const tokenIds = tf.tensor2d(enc.ids, [2, 8], 'int32');
    const mask = tf.tensor2d(enc.mask, [2, 8]);
    const vars = [...stage.variables()];
    const { value, grads } = tf.variableGrads(
      () => tf.tidy(() => tf.sum(tf.square(stage.forward({ tokenIds, mask })['tokens']!)) as tf.Scalar),
      vars.map(([, v]) => v),
    );
    for (const [name, v] of vars) {
      const g = grads[v.name]!.dataSync();
      expect(g.some((x) => x !== 0) && g.every(Number.isFinite), `gradient of ${name}`).toBe(true);
    }
    tf.dispose([value, tokenIds, mask, ...Object.values(grads)]);
    stage.dispose();
  });
});
