import { describe, expect, it } from 'vitest';
import { charTokenizer, huggingFaceTokenizer, truncateKeepingSpecials } from './policy-tokenizer.js';

// A minimal BERT-style WordPiece tokenizer.json (the format encoder-bert writes).
const vocab = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  'push',
  'the',
  'red',
  'moon',
  'to',
  'blue',
  'cube',
  '##s',
  'left',
];
const tokenizerJson = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: vocab.slice(0, 4).map((content, id) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  })),
  normalizer: {
    type: 'BertNormalizer',
    clean_text: true,
    handle_chinese_chars: true,
    strip_accents: null,
    lowercase: true,
  },
  pre_tokenizer: { type: 'BertPreTokenizer' },
  post_processor: { type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2] },
  decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
  model: {
    type: 'WordPiece',
    unk_token: '[UNK]',
    continuing_subword_prefix: '##',
    max_input_chars_per_word: 100,
    vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
  },
};

describe('policy tokenizers', () => {
  it('huggingFaceTokenizer pads with [PAD] and masks real tokens', () => {
    const tok = huggingFaceTokenizer(tokenizerJson, {}, 8);
    const r = tok(['Push the red moons']);
    expect(Array.from(r.ids)).toEqual([2, 4, 5, 6, 7, 11, 3, 0]);
    expect(Array.from(r.mask)).toEqual([1, 1, 1, 1, 1, 1, 1, 0]);
  });

  it('keeps [CLS] and [SEP] when a long instruction is truncated, as the training tokenizer does', () => {
    const tok = huggingFaceTokenizer(tokenizerJson, {}, 5);
    expect(Array.from(tok(['push the red moon to the blue cube']).ids)).toEqual([2, 4, 5, 6, 3]);
    expect(truncateKeepingSpecials([2, 7, 8, 9, 3], [7, 8, 9], 4)).toEqual([2, 7, 8, 3]);
    expect(truncateKeepingSpecials([7, 8, 9], [7, 8, 9], 2)).toEqual([7, 8]);
  });

  it('charTokenizer matches core CharTokenizer ids', () => {
    const r = charTokenizer(40, 4)(['ab']);
    expect(Array.from(r.ids)).toEqual([1 + (97 % 39), 1 + (98 % 39), 0, 0]);
    expect(Array.from(r.mask)).toEqual([1, 1, 0, 0]);
  });
});
