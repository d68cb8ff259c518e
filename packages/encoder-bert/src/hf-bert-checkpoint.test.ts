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
import type { BertEncoder } from './bert-encoder.js';
import { BertEncoderPlugin } from './bert-encoder-plugin.js';
import { FIXTURES, maxAbsDiff, silentLogger } from './test-helpers.js';

const plugin = new BertEncoderPlugin(silentLogger);
const ctx = { name: 'language', seed: 1, upstream: {} };
const CKPT = join(FIXTURES, 'bert-tiny');
const ref = JSON.parse(readFileSync(join(FIXTURES, 'bert-reference.json'), 'utf8')) as {
  ids: number[][];
  mask: number[][];
  tokens: number[][][];
};
const tmp = mkdtempSync(join(tmpdir(), 'bert-ckpt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the fixture checkpoint with its tensors (and optionally its vocabulary) edited. */
function editedCheckpoint(
  name: string,
  edit: (t: Map<string, TensorToWrite>) => void,
  vocab?: string,
): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const file = readSafetensorsFile(join(CKPT, 'model.safetensors'));
  const tensors = new Map<string, TensorToWrite>();
  for (const [k, t] of file.tensors) tensors.set(k, { dtype: 'F32', shape: t.shape, data: toFloat32(t) });
  edit(tensors);
  copyFileSync(join(CKPT, 'config.json'), join(dir, 'config.json'));
  if (vocab !== undefined) writeFileSync(join(dir, 'vocab.txt'), vocab);
  else copyFileSync(join(CKPT, 'vocab.txt'), join(dir, 'vocab.txt'));
  writeSafetensorsFile(join(dir, 'model.safetensors'), tensors);
  return dir;
}

function forwardReference(stage: BertEncoder): Float32Array {
  const tokenIds = tf.tensor2d(ref.ids.flat(), [2, 10], 'int32');
  const mask = tf.tensor2d(ref.mask.flat(), [2, 10]);
  const out = stage.forward({ tokenIds, mask });
  const data = out['tokens']!.dataSync() as Float32Array;
  tf.dispose([tokenIds, mask, ...Object.values(out)]);
  return data;
}

describe('Hugging Face BERT checkpoints', () => {
  it('takes architecture, LayerNorm epsilon and vocabulary from the folder (hfCheckpoint option)', () => {
    const s = plugin.create({ hfCheckpoint: CKPT, maxLength: 10 }, ctx);
    const c = s.config;
    expect([c.vocabSize, c.dim, c.depth, c.heads, c.mlpDim, c.maxPositions, c.typeVocabSize]).toEqual([
      38, 16, 2, 2, 32, 24, 2,
    ]);
    expect(s.tokenizer.vocabSize).toBe(38);
    expect(() => plugin.create({ hfCheckpoint: CKPT, heads: 4 }, ctx)).toThrow(
      /heads \(4\) but the checkpoint has 2/,
    );
    expect(() => plugin.create({ hfCheckpoint: CKPT, maxLength: 30 }, ctx)).toThrow(
      /maxLength \(30\) must be <= maxPositions \(24\)/,
    );
  });

  it('matches the plain-torch reference of HF BertModel (max abs diff <= 1e-4), padding included', async () => {
    const stage = plugin.create({ hfCheckpoint: CKPT, maxLength: 10 }, ctx);
    const report = await stage.loadPretrained(CKPT);
    expect(report.loaded).toHaveLength(5 + 2 * 16);
    expect(report.notes.join('\n')).toMatch(/pooler\.dense\.weight/);
    expect(report.notes.join('\n')).toMatch(/embeddings\.position_ids/);
    expect(maxAbsDiff(forwardReference(stage), ref.tokens.flat(2))).toBeLessThanOrEqual(1e-4);
    // the tokenizer reproduces the reference ids for the same sentence
    expect(Array.from(stage.tokenizer.encode(['Push the red block to the left']).ids)).toEqual(ref.ids[0]);
    stage.dispose();
  });

  it('accepts the bert. prefix and old gamma/beta LayerNorm names, ignoring pre-training heads', async () => {
    const dir = editedCheckpoint('prefixed', (t) => {
      for (const [k, v] of [...t]) {
        t.delete(k);
        t.set(
          `bert.${k.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta')}`,
          v,
        );
      }
      t.set('cls.predictions.bias', { dtype: 'F32', shape: [38], data: new Float32Array(38) });
    });
    const stage = plugin.create({ hfCheckpoint: dir, maxLength: 10 }, ctx);
    const report = await stage.loadPretrained(dir);
    expect(report.notes.join('\n')).toMatch(/prefix "bert\."/);
    expect(maxAbsDiff(forwardReference(stage), ref.tokens.flat(2))).toBeLessThanOrEqual(1e-4);
    stage.dispose();
  });

  it('reads the tokenizer from tokenizer.json when the folder has no vocab.txt', async () => {
    const dir = join(tmp, 'with-tokenizer-json');
    mkdirSync(dir, { recursive: true });
    for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(CKPT, f), join(dir, f));
    const files = plugin.create({ hfCheckpoint: CKPT, maxLength: 10 }, ctx).tokenizer.files();
    writeFileSync(join(dir, 'tokenizer.json'), files['tokenizer.json']!);
    const stage = plugin.create({ hfCheckpoint: dir, maxLength: 10 }, ctx);
    await stage.loadPretrained(dir);
    expect(Array.from(stage.tokenizer.encode(['Push the red block to the left']).ids)).toEqual(ref.ids[0]);
    expect(maxAbsDiff(forwardReference(stage), ref.tokens.flat(2))).toBeLessThanOrEqual(1e-4);
    stage.dispose();
  });

  it('lists missing, unexpected and mis-shaped keys in one error', async () => {
    const dir = editedCheckpoint('broken', (t) => {
      t.delete('encoder.layer.0.attention.self.value.bias');
      t.set('encoder.layer.0.attention.self.extra', { dtype: 'F32', shape: [1], data: new Float32Array(1) });
      t.set('embeddings.word_embeddings.weight', {
        dtype: 'F32',
        shape: [38, 8],
        data: new Float32Array(38 * 8),
      });
    });
    const stage = plugin.create({ hfCheckpoint: CKPT, maxLength: 10 }, ctx);
    const error = await stage.loadPretrained(dir).catch((e: unknown) => e);
    expect(VlakitError.isInstance(error, 'checkpoint')).toBe(true);
    const msg = (error as Error).message;
    expect(msg).toMatch(/missing keys \(1\): encoder\.layer\.0\.attention\.self\.value\.bias/);
    expect(msg).toMatch(/unexpected keys \(1\): encoder\.layer\.0\.attention\.self\.extra/);
    expect(msg).toMatch(
      /mis-shaped keys \(1\): embeddings\.word_embeddings\.weight: expected \[38,16\], got \[38,8\]/,
    );
    stage.dispose();
  });

  it('rejects a folder whose config or vocabulary disagrees with the stage', async () => {
    const scratch = plugin.create({ dim: 16, heads: 2 }, ctx);
    await expect(scratch.loadPretrained(CKPT)).rejects.toThrow(
      /vocabSize \(vocab_size\): stage \d+, checkpoint 38/,
    );
    const otherVocab = readFileSync(join(CKPT, 'vocab.txt'), 'utf8').replace('\nred\n', '\nrouge\n');
    const dir = editedCheckpoint('other-vocab', () => {}, otherVocab);
    const stage = plugin.create({ hfCheckpoint: CKPT, maxLength: 10 }, ctx);
    await expect(stage.loadPretrained(dir)).rejects.toThrow(/first at id 7: "rouge" vs "red"/);
    await expect(stage.loadPretrained(join(tmp, 'nowhere'))).rejects.toThrow(/config\.json not found/);
    scratch.dispose();
    stage.dispose();
  });
});
