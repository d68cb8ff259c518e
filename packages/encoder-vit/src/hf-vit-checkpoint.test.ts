import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  readSafetensorsFile,
  type TensorToWrite,
  toFloat32,
  VlakitError,
  writeSafetensorsFile,
} from '@vlakit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { interpolatePositionGrid } from './position-interpolation.js';
import { FIXTURES, maxAbsDiff, testImage } from './test-helpers.js';
import type { VitEncoder } from './vit-encoder.js';
import { VitEncoderPlugin } from './vit-encoder-plugin.js';

const plugin = new VitEncoderPlugin({ info: () => {}, warn: () => {} } as never);
const ctx = { name: 'vision', seed: 1, upstream: {} };
const CKPT = join(FIXTURES, 'vit-tiny');
const ref = JSON.parse(readFileSync(join(FIXTURES, 'vit-reference.json'), 'utf8')) as {
  tokens32: number[][][];
  tokens64: number[][][];
  grid64: { bicubic: number[][]; bilinear: number[][] };
};
const tmp = mkdtempSync(join(tmpdir(), 'vit-ckpt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the fixture checkpoint with its tensors (and optionally config) edited. */
function editedCheckpoint(
  name: string,
  edit: (t: Map<string, TensorToWrite>) => void,
  config?: (c: Record<string, unknown>) => void,
): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const file = readSafetensorsFile(join(CKPT, 'model.safetensors'));
  const tensors = new Map<string, TensorToWrite>();
  for (const [k, t] of file.tensors) tensors.set(k, { dtype: 'F32', shape: t.shape, data: toFloat32(t) });
  edit(tensors);
  if (config) {
    const c = JSON.parse(readFileSync(join(CKPT, 'config.json'), 'utf8'));
    config(c);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(c));
  } else copyFileSync(join(CKPT, 'config.json'), join(dir, 'config.json'));
  writeSafetensorsFile(join(dir, 'model.safetensors'), tensors);
  return dir;
}

async function loaded(options: Record<string, unknown>, dir = CKPT): Promise<VitEncoder> {
  const stage = plugin.create({ hfCheckpoint: CKPT, ...options }, ctx);
  stage.build();
  await stage.loadPretrained(dir);
  return stage;
}

describe('Hugging Face ViT checkpoints', () => {
  it('takes the architecture and LayerNorm epsilon from config.json (hfCheckpoint option)', () => {
    const c = plugin.create({ hfCheckpoint: CKPT, imageSize: 32 }, ctx).config;
    expect([c.patchSize, c.dim, c.depth, c.heads, c.mlpDim, c.layerNormEps]).toEqual([8, 16, 2, 2, 32, 1e-6]);
    expect(() => plugin.create({ hfCheckpoint: CKPT, dim: 32 }, ctx)).toThrow(
      /dim \(32\) but the checkpoint has 16/,
    );
  });

  it('matches the plain-torch reference of HF ViTModel (max abs diff <= 1e-4)', async () => {
    const stage = await loaded({ imageSize: 32 });
    const image = testImage(2, 32);
    const out = stage.forward({ image });
    expect(out['tokens']!.shape).toEqual([2, 17, 16]);
    const diff = maxAbsDiff(out['tokens']!.dataSync(), ref.tokens32.flat(2));
    expect(diff).toBeLessThanOrEqual(1e-4);
    tf.dispose([image, ...Object.values(out)]);
    stage.dispose();
  });

  it('accepts the vit. prefix of ViTForImageClassification and ignores its classifier', async () => {
    const dir = editedCheckpoint('prefixed', (t) => {
      for (const [k, v] of [...t]) {
        t.delete(k);
        if (!k.startsWith('pooler.')) t.set(`vit.${k}`, v);
      }
      t.set('classifier.weight', { dtype: 'F32', shape: [3, 16], data: new Float32Array(48) });
      t.set('classifier.bias', { dtype: 'F32', shape: [3], data: new Float32Array(3) });
    });
    const stage = plugin.create({ hfCheckpoint: dir, imageSize: 32 }, ctx);
    stage.build();
    const report = await stage.loadPretrained(dir);
    expect(report.loaded).toContain('block1/mlp/fc2/kernel');
    expect(report.notes.join('\n')).toMatch(/prefix "vit\."/);
    expect(report.notes.join('\n')).toMatch(/classifier\.weight/);
    const image = testImage(2, 32);
    const out = stage.forward({ image });
    expect(maxAbsDiff(out['tokens']!.dataSync(), ref.tokens32.flat(2))).toBeLessThanOrEqual(1e-4);
    tf.dispose([image, ...Object.values(out)]);
    stage.dispose();
  });

  it('lists missing, unexpected and mis-shaped keys in one error', async () => {
    const dir = editedCheckpoint('broken', (t) => {
      t.delete('encoder.layer.1.attention.attention.key.weight');
      t.delete('layernorm.bias');
      t.set('encoder.layer.2.output.dense.weight', { dtype: 'F32', shape: [2], data: new Float32Array(2) });
      t.set('embeddings.cls_token', { dtype: 'F32', shape: [1, 2, 16], data: new Float32Array(32) });
    });
    const stage = plugin.create({ hfCheckpoint: CKPT, imageSize: 32 }, ctx);
    stage.build();
    const error = await stage.loadPretrained(dir).catch((e: unknown) => e);
    expect(VlakitError.isInstance(error, 'checkpoint')).toBe(true);
    const msg = (error as Error).message;
    expect(msg).toMatch(
      /missing keys \(2\): layernorm\.bias, encoder\.layer\.1\.attention\.attention\.key\.weight/,
    );
    expect(msg).toMatch(/unexpected keys \(1\): encoder\.layer\.2\.output\.dense\.weight/);
    expect(msg).toMatch(/mis-shaped keys \(1\): embeddings\.cls_token: expected \[1,1,16\], got \[1,2,16\]/);
    stage.dispose();
  });

  it('rejects a config.json that disagrees with the stage, naming each field', async () => {
    const stage = plugin.create(
      { imageSize: 32, patchSize: 8, dim: 16, heads: 4, depth: 2, mlpDim: 32 },
      ctx,
    );
    stage.build();
    const error = await stage.loadPretrained(CKPT).catch((e: unknown) => e);
    const msg = (error as Error).message;
    expect(msg).toMatch(/heads \(num_attention_heads\): stage 4, checkpoint 2/);
    expect(msg).toMatch(/layerNormEps \(layer_norm_eps\): stage 1e-12, checkpoint 0\.000001/);
    await expect(stage.loadPretrained(join(tmp, 'nowhere'))).rejects.toThrow(/config\.json not found/);
    const bad = editedCheckpoint(
      'bad-act',
      () => {},
      (c) => (c['hidden_act'] = 'relu'),
    );
    await expect(stage.loadPretrained(bad)).rejects.toThrow(/hidden_act \("relu"\) is not supported/);
    stage.dispose();
  });

  it('interpolates 32x32 position embeddings into a 64x64 stage like torch (bicubic and bilinear)', async () => {
    for (const mode of ['bicubic', 'bilinear'] as const) {
      const stage = await loaded({ imageSize: 64, positionInterpolation: mode });
      const position = stage.variables().get('position')!;
      expect(position.shape).toEqual([1, 65, 16]);
      const grid = position.slice([0, 1, 0], [1, 64, 16]);
      expect(maxAbsDiff(grid.dataSync(), ref.grid64[mode].flat())).toBeLessThanOrEqual(1e-5);
      if (mode === 'bicubic') {
        const image = testImage(1, 64);
        const out = stage.forward({ image });
        expect(maxAbsDiff(out['tokens']!.dataSync(), ref.tokens64.flat(2))).toBeLessThanOrEqual(1e-4);
        tf.dispose([image, ...Object.values(out)]);
      }
      grid.dispose();
      stage.dispose();
    }
  });

  it('interpolation to the same size is the identity', () => {
    const grid = Float32Array.from({ length: 3 * 3 * 2 }, (_, i) => Math.sin(i));
    for (const mode of ['bicubic', 'bilinear'] as const) {
      expect(maxAbsDiff(interpolatePositionGrid(grid, 3, 3, 2, 3, 3, mode), grid)).toBeLessThan(1e-6);
    }
  });
});
