import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { quote, type TextTokenizerV1, VlakitError } from '@vlakit/core';

export interface WordPieceOptions {
  /** Length every encoding is padded or truncated to, [CLS] and [SEP] included. */
  readonly maxLength: number;
  /** Lower-case and strip accents (uncased BERT). Default true. Ignored for tokenizer.json. */
  readonly lowerCase?: boolean;
}

const REQUIRED = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'] as const;

/** A BERT tokenizer.json (HF `tokenizers` format) for a WordPiece vocabulary. */
function bertTokenizerJson(vocab: readonly string[], lowerCase: boolean): Record<string, unknown> {
  const ids = Object.fromEntries(vocab.map((t, i) => [t, i]));
  const special = vocab.filter((t) => /^\[[A-Z]+\]$/.test(t));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: special.map((t) => ({
      id: ids[t],
      content: t,
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
      lowercase: lowerCase,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: Object.fromEntries(
        ['[CLS]', '[SEP]'].map((t) => [t, { id: t, ids: [ids[t]], tokens: [t] }]),
      ),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: ids,
    },
  };
}

/**
 * BERT WordPiece tokenisation through @huggingface/tokenizers (BertNormalizer: clean text,
 * lower-case and accent stripping; BertPreTokenizer: whitespace and punctuation split; greedy
 * longest-match-first WordPiece with `##` continuations and [UNK]), then
 * `[CLS] tokens [SEP]` truncated to `maxLength` (content first) and padded with [PAD].
 * An empty or blank text encodes as `[CLS] [SEP]`.
 */
export class WordPieceTokenizer implements TextTokenizerV1 {
  readonly maxLength: number;
  readonly vocabSize: number;
  private readonly tokenizer: Tokenizer;
  private readonly vocab: readonly string[];
  private readonly special: Record<(typeof REQUIRED)[number], number>;

  private constructor(
    private readonly json: Record<string, unknown>,
    maxLength: number,
    source: string,
  ) {
    if (!Number.isInteger(maxLength) || maxLength < 2) {
      throw new VlakitError(
        'config',
        `${source}: maxLength (${quote(maxLength)}) must be an integer >= 2 ([CLS] and [SEP])`,
      );
    }
    const model = json['model'] as { type?: unknown; vocab?: unknown } | undefined;
    if (model?.type !== 'WordPiece' || typeof model.vocab !== 'object' || model.vocab === null) {
      throw new VlakitError(
        'config',
        `${source}: expected a WordPiece tokenizer (model.type "WordPiece"), got ${quote(model?.type)}`,
      );
    }
    const entries = Object.entries(model.vocab as Record<string, number>);
    const vocab: string[] = new Array(entries.length);
    for (const [token, id] of entries) {
      if (!Number.isInteger(id) || id < 0 || id >= entries.length || vocab[id] !== undefined) {
        throw new VlakitError(
          'config',
          `${source}: token ${quote(token)} has id ${quote(id)}; ids must be 0..${entries.length - 1}, each once`,
        );
      }
      vocab[id] = token;
    }
    const missing = REQUIRED.filter((t) => !(t in (model.vocab as object)));
    if (missing.length > 0) {
      throw new VlakitError(
        'config',
        `${source}: the vocabulary lacks ${missing.join(', ')} (a BERT vocabulary needs ${REQUIRED.join(', ')})`,
      );
    }
    this.vocab = vocab;
    this.special = Object.fromEntries(
      REQUIRED.map((t) => [t, (model.vocab as Record<string, number>)[t]!]),
    ) as never;
    this.maxLength = maxLength;
    this.vocabSize = vocab.length;
    this.tokenizer = new Tokenizer(json, {});
  }

  /** From a vocabulary in id order (as vocab.txt lists it). */
  static fromVocab(
    vocab: readonly string[],
    options: WordPieceOptions,
    source = 'vocabulary',
  ): WordPieceTokenizer {
    const seen = new Set<string>();
    vocab.forEach((t, i) => {
      if (t.length === 0 || /\s/.test(t))
        throw new VlakitError('config', `${source}: token ${i} (${quote(t)}) is empty or holds whitespace`);
      if (seen.has(t))
        throw new VlakitError('config', `${source}: token ${quote(t)} appears twice (again at id ${i})`);
      seen.add(t);
    });
    return new WordPieceTokenizer(
      bertTokenizerJson(vocab, options.lowerCase ?? true),
      options.maxLength,
      source,
    );
  }

  /** From an HF tokenizer.json object (its normalizer, pre-tokenizer and WordPiece model). */
  static fromTokenizerJson(json: unknown, maxLength: number, source = 'tokenizer.json'): WordPieceTokenizer {
    if (typeof json !== 'object' || json === null)
      throw new VlakitError('config', `${source} is not a JSON object`);
    return new WordPieceTokenizer(
      { ...(json as Record<string, unknown>), truncation: null, padding: null },
      maxLength,
      source,
    );
  }

  /** From a vocab.txt (one token per line) or a tokenizer.json file. */
  static fromFile(path: string, options: WordPieceOptions): WordPieceTokenizer {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (cause) {
      throw new VlakitError('io', `cannot read vocabulary ${quote(path)}: ${(cause as Error).message}`, {
        cause,
      });
    }
    if (extname(path).toLowerCase() === '.json') {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (cause) {
        throw new VlakitError('config', `${path} is not valid JSON: ${(cause as Error).message}`, { cause });
      }
      return WordPieceTokenizer.fromTokenizerJson(json, options.maxLength, path);
    }
    const lines = text.split(/\r?\n/);
    if (lines[lines.length - 1] === '') lines.pop();
    return WordPieceTokenizer.fromVocab(lines, options, path);
  }

  /**
   * From a Hugging Face checkpoint folder: tokenizer.json when present, else vocab.txt (with
   * tokenizer_config.json's do_lower_case when present, else `lowerCase`).
   */
  static fromDir(dir: string, options: WordPieceOptions): WordPieceTokenizer {
    if (existsSync(join(dir, 'tokenizer.json')))
      return WordPieceTokenizer.fromFile(join(dir, 'tokenizer.json'), options);
    if (!existsSync(join(dir, 'vocab.txt'))) {
      throw new VlakitError(
        'checkpoint',
        `${dir} holds neither tokenizer.json nor vocab.txt; a BERT checkpoint folder needs one of them`,
      );
    }
    let lowerCase = options.lowerCase ?? true;
    const cfgPath = join(dir, 'tokenizer_config.json');
    if (existsSync(cfgPath)) {
      const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as { do_lower_case?: unknown };
      if (typeof cfg.do_lower_case === 'boolean') lowerCase = cfg.do_lower_case;
    }
    return WordPieceTokenizer.fromFile(join(dir, 'vocab.txt'), { ...options, lowerCase });
  }

  /** The vocabulary in id order. */
  vocabulary(): readonly string[] {
    return this.vocab;
  }

  /** WordPiece tokens of a text, without special tokens and without truncation. */
  tokenize(text: string): string[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).tokens;
  }

  encode(texts: readonly string[]): { ids: Int32Array; mask: Float32Array; batch: number; length: number } {
    if (!Array.isArray(texts))
      throw new VlakitError('input', `encode expects an array of strings, got ${quote(texts)}`);
    const L = this.maxLength;
    const ids = new Int32Array(texts.length * L).fill(this.special['[PAD]']);
    const mask = new Float32Array(texts.length * L);
    texts.forEach((text, b) => {
      if (typeof text !== 'string') {
        throw new VlakitError('input', `encode: text ${b} is ${quote(text)}, expected a string`);
      }
      const pieces = this.tokenizer.encode(text, { add_special_tokens: false }).ids.slice(0, L - 2);
      const row = [this.special['[CLS]'], ...pieces, this.special['[SEP]']];
      row.forEach((id, i) => {
        ids[b * L + i] = id;
        mask[b * L + i] = 1;
      });
    });
    return { ids, mask, batch: texts.length, length: L };
  }

  /**
   * vocab.txt and a tokenizer.json (HF format, with this tokenizer's truncation and padding to
   * maxLength) from which @huggingface/tokenizers or Python `tokenizers` rebuild it.
   */
  files(): Record<string, string> {
    const json = {
      ...this.json,
      truncation: { direction: 'Right', max_length: this.maxLength, strategy: 'LongestFirst', stride: 0 },
      padding: {
        strategy: { Fixed: this.maxLength },
        direction: 'Right',
        pad_to_multiple_of: null,
        pad_id: this.special['[PAD]'],
        pad_type_id: 0,
        pad_token: '[PAD]',
      },
    };
    return { 'vocab.txt': `${this.vocab.join('\n')}\n`, 'tokenizer.json': JSON.stringify(json) };
  }
}
