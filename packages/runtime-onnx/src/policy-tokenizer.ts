import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import type { PolicySpec } from './policy-schema.js';
import { PolicyError } from './runtime-error.js';

/** Token ids (B, L) and mask (B, L), row-major, padded or truncated to the policy's length. */
export interface TokenBatch {
  readonly ids: Int32Array;
  readonly mask: Float32Array;
  readonly length: number;
}

export type TokenizeFn = (texts: readonly string[]) => TokenBatch;

/** The character tokenizer of @vlakit/core's test stages and of char-level encoders. */
export function charTokenizer(vocabSize: number, maxLength: number): TokenizeFn {
  return (texts) => {
    const ids = new Int32Array(texts.length * maxLength);
    const mask = new Float32Array(texts.length * maxLength);
    texts.forEach((text, b) => {
      for (let i = 0; i < Math.min(text.length, maxLength); i++) {
        ids[b * maxLength + i] = 1 + (text.charCodeAt(i) % (vocabSize - 1));
        mask[b * maxLength + i] = 1;
      }
    });
    return { ids, mask, length: maxLength };
  };
}

/** A Hugging Face tokenizer.json (WordPiece, BPE, ...) via @huggingface/tokenizers. */
export function huggingFaceTokenizer(tokenizerJson: object, config: object, maxLength: number): TokenizeFn {
  const tok = new Tokenizer(tokenizerJson, config);
  const padding = (tokenizerJson as { padding?: { pad_id?: number } }).padding;
  const padId = padding?.pad_id ?? 0;
  return (texts) => {
    const ids = new Int32Array(texts.length * maxLength).fill(padId);
    const mask = new Float32Array(texts.length * maxLength);
    texts.forEach((text, b) => {
      const row = truncateKeepingSpecials(
        tok.encode(text).ids.map(Number),
        tok.encode(text, { add_special_tokens: false }).ids.map(Number),
        maxLength,
      );
      for (let i = 0; i < row.length; i++) {
        ids[b * maxLength + i] = row[i]!;
        mask[b * maxLength + i] = 1;
      }
    });
    return { ids, mask, length: maxLength };
  };
}

/**
 * Truncates an encoding to `maxLength` the way Hugging Face tokenizers do: the content is cut,
 * the special tokens the post-processor added around it (e.g. [CLS] ... [SEP]) are kept.
 */
export function truncateKeepingSpecials(
  withSpecials: readonly number[],
  content: readonly number[],
  maxLength: number,
): number[] {
  if (withSpecials.length <= maxLength) return [...withSpecials];
  const extra = withSpecials.length - content.length;
  for (let p = 0; p <= extra; p++) {
    if (content.every((id, i) => withSpecials[p + i] === id)) {
      const prefix = withSpecials.slice(0, p);
      const suffix = withSpecials.slice(p + content.length);
      const room = Math.max(0, maxLength - prefix.length - suffix.length);
      return [...prefix, ...content.slice(0, room), ...suffix].slice(0, maxLength);
    }
  }
  return withSpecials.slice(0, maxLength);
}

/**
 * Rebuilds the bundle's tokenizer from its files and checks it against the ids the training
 * tokenizer gave the sample instructions (a mismatch means the policy would read other tokens).
 */
export async function loadPolicyTokenizer(
  dir: string,
  spec: NonNullable<PolicySpec['tokenizer']>,
  custom?: TokenizeFn,
): Promise<TokenizeFn> {
  let fn: TokenizeFn;
  if (custom) fn = custom;
  else if (spec.kind === 'char') fn = charTokenizer(spec.vocab_size, spec.max_length);
  else if (spec.kind === 'huggingface') {
    const read = async (name: string) => {
      const file = spec.files.find((f) => f.endsWith(`/${name}`) || f === name);
      return file ? (JSON.parse(await readFile(join(dir, file), 'utf8')) as object) : undefined;
    };
    const json = await read('tokenizer.json');
    if (json === undefined)
      throw new PolicyError(
        'config',
        `the bundle's tokenizer files (${spec.files.join(', ')}) lack tokenizer.json`,
      );
    fn = huggingFaceTokenizer(json, (await read('tokenizer_config.json')) ?? {}, spec.max_length);
  } else {
    throw new PolicyError(
      'config',
      `the bundle's tokenizer is of a custom kind (${spec.files.join(', ')}); pass loadPolicy(dir, { tokenize }) to supply it`,
    );
  }
  for (const s of spec.samples) {
    const got = Array.from(fn([s.text]).ids);
    if (got.join(',') !== s.ids.join(',')) {
      throw new PolicyError(
        'runtime',
        `the runtime tokenizer disagrees with the training tokenizer on "${s.text}": [${got.join(', ')}] vs [${s.ids.join(', ')}]`,
      );
    }
  }
  return fn;
}
