import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { VlakitError } from '@vlakit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { INSTRUCTION_WORDS, instructionVocabulary } from './instruction-vocabulary.js';
import { FIXTURES } from './test-helpers.js';
import { WordPieceTokenizer } from './wordpiece-tokenizer.js';

const tmp = mkdtempSync(join(tmpdir(), 'wordpiece-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const tiny = WordPieceTokenizer.fromDir(join(FIXTURES, 'bert-tiny'), { maxLength: 10 });
const rows = (t: WordPieceTokenizer, texts: string[]) => {
  const e = t.encode(texts);
  const vocab = t.vocabulary();
  return texts.map((_, b) => Array.from(e.ids.subarray(b * e.length, (b + 1) * e.length), (id) => vocab[id]));
};

describe('WordPiece tokenizer', () => {
  it('lower-cases, strips accents, splits punctuation and continues words with ##', () => {
    expect(tiny.tokenize('Push the RED stars!')).toEqual(['push', 'the', 'red', 'star', '##s', '!']);
    expect(tiny.tokenize('Café unwanted,x xx')).toEqual([
      'cafe',
      'un',
      '##want',
      '##ed',
      ',',
      'x',
      'x',
      '##x',
    ]);
  });

  it('maps words it cannot piece together to [UNK] (whole word, as BERT does)', () => {
    expect(tiny.tokenize('push zebra')).toEqual(['push', '[UNK]']);
    expect(tiny.tokenize('unwantedzz')).toEqual(['[UNK]']);
  });

  it('adds [CLS] ... [SEP], pads with [PAD] and masks the padding', () => {
    const e = tiny.encode(['push the red block', '']);
    expect([e.batch, e.length]).toEqual([2, 10]);
    expect(rows(tiny, ['push the red block', ''])).toEqual([
      ['[CLS]', 'push', 'the', 'red', 'block', '[SEP]', '[PAD]', '[PAD]', '[PAD]', '[PAD]'],
      ['[CLS]', '[SEP]', '[PAD]', '[PAD]', '[PAD]', '[PAD]', '[PAD]', '[PAD]', '[PAD]', '[PAD]'],
    ]);
    expect(Array.from(e.mask)).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(rows(tiny, ['   '])[0]!.slice(0, 3)).toEqual(['[CLS]', '[SEP]', '[PAD]']); // blank = empty
  });

  it('truncates the content to maxLength - 2 and keeps [SEP] last', () => {
    const text = 'push the red block to the left of the blue star';
    expect(rows(tiny, [text])[0]).toEqual([
      '[CLS]',
      'push',
      'the',
      'red',
      'block',
      'to',
      'the',
      'left',
      'of',
      '[SEP]',
    ]);
    const e = tiny.encode([text]);
    expect(Array.from(e.mask).every((m) => m === 1)).toBe(true);
  });

  it('rejects non-string input and bad vocabularies with clear errors', () => {
    expect(() => tiny.encode([3 as never])).toThrow(/text 0 is 3, expected a string/);
    expect(() => tiny.encode('push' as never)).toThrow(/array of strings/);
    expect(() => WordPieceTokenizer.fromVocab(['[PAD]', '[UNK]', 'a'], { maxLength: 8 })).toThrow(
      /lacks \[CLS\], \[SEP\]/,
    );
    expect(() =>
      WordPieceTokenizer.fromVocab(['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'a', 'a'], { maxLength: 8 }),
    ).toThrow(/"a" appears twice/);
    expect(() =>
      WordPieceTokenizer.fromVocab(['[PAD]', '[UNK]', '[CLS]', '[SEP]'], { maxLength: 1 }),
    ).toThrow(/>= 2/);
    expect(() => WordPieceTokenizer.fromDir(tmp, { maxLength: 8 })).toThrow(
      /neither tokenizer\.json nor vocab\.txt/,
    );
    const err = (() => {
      try {
        WordPieceTokenizer.fromFile(join(tmp, 'missing.txt'), { maxLength: 8 });
      } catch (e) {
        return e;
      }
    })();
    expect(VlakitError.isInstance(err, 'io')).toBe(true);
  });

  it('the instruction vocabulary tokenises every grammar word whole and any ASCII word without [UNK]', () => {
    const t = WordPieceTokenizer.fromVocab(instructionVocabulary(), { maxLength: 32 });
    for (const w of INSTRUCTION_WORDS) expect(t.tokenize(w)).toEqual([w]);
    expect(t.tokenize('Slide the yellow pentagon close to the top-left corner.')).toEqual([
      'slide',
      'the',
      'yellow',
      'pentagon',
      'close',
      'to',
      'the',
      'top',
      '-',
      'left',
      'corner',
      '.',
    ]);
    expect(t.tokenize('zebra')).toEqual(['z', '##e', '##b', '##r', '##a']);
    expect(t.tokenize('moons')).toEqual(['moon', '##s']);
    expect(new Set(instructionVocabulary()).size).toBe(instructionVocabulary().length);
  });

  it('files() rebuild the same tokenizer from vocab.txt and from tokenizer.json', () => {
    const files = tiny.files();
    writeFileSync(join(tmp, 'vocab.txt'), files['vocab.txt']!);
    writeFileSync(join(tmp, 'tokenizer.json'), files['tokenizer.json']!);
    const texts = ['Push the blue moons, each other!', 'zzz', ''];
    const fromVocab = WordPieceTokenizer.fromFile(join(tmp, 'vocab.txt'), { maxLength: 10 });
    const fromJson = WordPieceTokenizer.fromFile(join(tmp, 'tokenizer.json'), { maxLength: 10 });
    expect(fromVocab.encode(texts)).toEqual(tiny.encode(texts));
    expect(fromJson.encode(texts)).toEqual(tiny.encode(texts));
    // the tokenizer.json is a standard HF file: the library itself encodes it with [CLS]/[SEP]
    const hf = new Tokenizer(JSON.parse(files['tokenizer.json']!), {});
    expect(hf.encode('push the red block').tokens).toEqual(['[CLS]', 'push', 'the', 'red', 'block', '[SEP]']);
    const json = JSON.parse(files['tokenizer.json']!);
    expect(json.truncation.max_length).toBe(10);
    expect(json.padding.strategy).toEqual({ Fixed: 10 });
  });
});
