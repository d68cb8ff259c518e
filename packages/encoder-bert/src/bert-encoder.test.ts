import * as tf from '@tensorflow/tfjs';
import { VlakitError } from '@vlakit/core';
import { describeStageConformance } from '@vlakit/core/testing';
import { describe, expect, it } from 'vitest';
import { BertEncoderPlugin } from './bert-encoder-plugin.js';
import { silentLogger } from './test-helpers.js';

const plugin = new BertEncoderPlugin(silentLogger);
const ctx = (seed: number) => ({ name: 'language', seed, upstream: {} });
const SMALL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'push', 'the', 'red', 'block'];

describeStageConformance('bert (default options)', { create: (seed) => plugin.create({}, ctx(seed)) });
describeStageConformance('bert (custom vocabulary, 2 token types, 8 positions)', {
  create: (seed) =>
    plugin.create(
      { vocab: SMALL, dim: 12, heads: 3, depth: 1, maxLength: 5, maxPositions: 8, typeVocabSize: 2 },
      ctx(seed),
    ),
});

describe('bert encoder', () => {
  it('defaults to a small BERT over the instruction vocabulary', () => {
    const s = plugin.create({}, ctx(1));
    const c = s.config;
    expect([c.dim, c.depth, c.heads, c.mlpDim, c.maxLength, c.maxPositions, c.layerNormEps]).toEqual([
      64, 2, 4, 256, 16, 16, 1e-12,
    ]);
    expect(c.vocabSize).toBe(s.tokenizer.vocabSize);
    expect(s.tokenizer.maxLength).toBe(16);
    expect(s.inputs.map((p) => [p.name, p.shape])).toEqual([
      ['tokenIds', ['B', 16]],
      ['mask', ['B', 16]],
    ]);
  });

  it('rejects bad options with messages that quote the values', () => {
    expect(() => plugin.create({ dim: 30, heads: 4 }, ctx(1))).toThrow(/heads \(4\) must divide dim \(30\)/);
    expect(() => plugin.create({ maxLength: 20, maxPositions: 8 }, ctx(1))).toThrow(
      /maxLength \(20\) must be <= maxPositions \(8\)/,
    );
    expect(() => plugin.create({ vocab: SMALL, vocabFile: 'v.txt' }, ctx(1))).toThrow(
      /one vocabulary source, not vocab and vocabFile/,
    );
    expect(() => plugin.create({ vocabFile: '/nonexistent/vocab.txt' }, ctx(1))).toThrow(
      /cannot read vocabulary/,
    );
    expect(() => plugin.create({ maxLength: 1 }, ctx(1))).toThrow(VlakitError);
  });

  it('encodes instructions end to end: tokenizer -> stage, masks padding in attention', () => {
    const stage = plugin.create({ dim: 16, heads: 2 }, ctx(2));
    stage.build();
    const enc = stage.tokenizer.encode(['push the red star to the top left corner', 'slide the moon']);
    const tokenIds = tf.tensor2d(enc.ids, [enc.batch, enc.length], 'int32');
    const mask = tf.tensor2d(enc.mask, [enc.batch, enc.length]);
    const out = stage.forward({ tokenIds, mask }, { inspect: true });
    expect(out['tokens']!.shape).toEqual([2, 16, 16]);
    expect(Array.from(out['mask']!.dataSync())).toEqual(Array.from(enc.mask));
    const attn = out['attention']!.arraySync() as number[][][][];
    // row 1 has 5 real tokens: [CLS] slide the moon [SEP]; keys 5.. get exactly zero weight
    for (const q of attn[1]![0]!) expect(q.slice(5).every((p) => p === 0)).toBe(true);
    // changing padded ids does not change real tokens' outputs
    const ids2 = enc.ids.slice();
    ids2[16 + 10] = 7;
    const tokenIds2 = tf.tensor2d(ids2, [2, 16], 'int32');
    const out2 = stage.forward({ tokenIds: tokenIds2, mask });
    const a = out['tokens']!.slice([1, 0, 0], [1, 5, 16]).dataSync();
    const b = out2['tokens']!.slice([1, 0, 0], [1, 5, 16]).dataSync();
    expect(Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]!)))).toBeLessThan(1e-5);
    tf.dispose([tokenIds, tokenIds2, mask, ...Object.values(out), ...Object.values(out2)]);
    stage.dispose();
  });

  it('rejects token ids outside the vocabulary', () => {
    const stage = plugin.create({ vocab: SMALL, dim: 8, heads: 2, maxLength: 4 }, ctx(3));
    stage.build();
    const tokenIds = tf.tensor2d([[2, 4, 8, 3]], [1, 4], 'int32');
    const mask = tf.ones([1, 4]);
    expect(() => stage.forward({ tokenIds, mask })).toThrow(
      /'tokenIds' holds 8 at flat index 2; ids must be in \[0, 8\)/,
    );
    tf.dispose([tokenIds, mask]);
    stage.dispose();
  });

  it('learns: a few Adam steps separate two instructions', () => {
    const stage = plugin.create({ dim: 16, heads: 2, maxLength: 8 }, ctx(4));
    stage.build();
    const enc = stage.tokenizer.encode(['push the red block left', 'push the blue block right']);
    const tokenIds = tf.tensor2d(enc.ids, [2, 8], 'int32');
    const mask = tf.tensor2d(enc.mask, [2, 8]);
    const target = tf.tensor1d([1, -1]);
    const readout = tf.randomNormal([1, 16], 0, 0.25, 'float32', 5); // fixed linear probe
    const opt = tf.train.adam(0.01);
    const loss = () =>
      tf.tidy(() => {
        const cls = stage
          .forward({ tokenIds, mask })
          ['tokens']!.slice([0, 0, 0], [2, 1, 16])
          .reshape([2, 16]); // (B, D)
        return tf.losses.meanSquaredError(target, tf.sum(tf.mul(cls, readout), 1)) as tf.Scalar; // (B,)
      });
    const first = loss().dataSync()[0]!;
    for (let i = 0; i < 20; i++) opt.minimize(loss, false, [...stage.variables().values()]);
    expect(loss().dataSync()[0]!).toBeLessThan(first * 0.3);
    tf.dispose([tokenIds, mask, target, readout]);
    opt.dispose();
    stage.dispose();
  });
});
