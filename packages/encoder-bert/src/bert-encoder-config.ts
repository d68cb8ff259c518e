import { parseConfig, quote, VlakitError } from '@vlakit/core';
import { z } from 'zod';

/** Options of the `bert` stage. Defaults: a small BERT trained from scratch on instructions. */
export const bertEncoderSchema = z
  .object({
    /** Token width D. Default 64. */
    dim: z.number().int().positive().optional(),
    /** Number of transformer blocks. Default 2. */
    depth: z.number().int().nonnegative().optional(),
    /** Attention heads; must divide dim. Default 4. */
    heads: z.number().int().positive().optional(),
    /** Hidden width of the MLP (HF intermediate_size). Default 4 x dim. */
    mlpDim: z.number().int().positive().optional(),
    /** Tokens per text, [CLS] and [SEP] included (padding / truncation length L). Default 16. */
    maxLength: z.number().int().min(2).default(16),
    /** Rows of the position table (HF max_position_embeddings). Default maxLength. */
    maxPositions: z.number().int().positive().optional(),
    /** Rows of the token-type table (HF type_vocab_size); type 0 is used. Default 1. */
    typeVocabSize: z.number().int().positive().optional(),
    /** LayerNorm epsilon (HF layer_norm_eps). Default 1e-12. */
    layerNormEps: z.number().positive().optional(),
    /** A custom vocabulary in id order (must hold [PAD], [UNK], [CLS], [SEP]). */
    vocab: z.array(z.string()).min(4).optional(),
    /** A vocab.txt or tokenizer.json file to take the vocabulary from. */
    vocabFile: z.string().min(1).optional(),
    /** Lower-case and strip accents before WordPiece (uncased BERT). Default true. */
    lowerCase: z.boolean().default(true),
    /** Std of the truncated-normal initial weights. Default 0.02. */
    initStd: z.number().positive().default(0.02),
    /**
     * A Hugging Face BERT checkpoint folder: its config.json sets dim, depth, heads, mlpDim,
     * maxPositions, typeVocabSize, layerNormEps and the vocabulary size, and its tokenizer.json or
     * vocab.txt the tokenizer (options set here as well must agree). Weights are still loaded by
     * `loadPretrained` (the pipeline's `pretrained`).
     */
    hfCheckpoint: z.string().min(1).optional(),
  })
  .strict();

export type BertEncoderOptions = z.input<typeof bertEncoderSchema>;

/** Architecture fields a checkpoint's config.json sets. */
export interface BertArchitecture {
  readonly vocabSize: number;
  readonly dim: number;
  readonly depth: number;
  readonly heads: number;
  readonly mlpDim: number;
  readonly maxPositions: number;
  readonly typeVocabSize: number;
  readonly layerNormEps: number;
}

/** The resolved configuration a BERT stage is built from (the vocabulary lives in its tokenizer). */
export interface BertEncoderConfig extends BertArchitecture {
  readonly maxLength: number;
  readonly lowerCase: boolean;
  readonly initStd: number;
  readonly vocabSource: string;
  readonly hfCheckpoint?: string;
}

export type ParsedBertOptions = z.output<typeof bertEncoderSchema>;

export function parseBertOptions(options: unknown, where: string): ParsedBertOptions {
  const o = parseConfig(bertEncoderSchema, options, where);
  const sources = (['vocab', 'vocabFile', 'hfCheckpoint'] as const).filter((k) => o[k] !== undefined);
  if (sources.length > 1) {
    throw new VlakitError('config', `${where}: give one vocabulary source, not ${sources.join(' and ')}`);
  }
  return o;
}

/**
 * Resolves the architecture: defaults < explicit options; with `hfCheckpoint`, the checkpoint's
 * config.json, which explicit options must agree with.
 */
export function resolveBertConfig(
  o: ParsedBertOptions,
  where: string,
  vocabSize: number,
  vocabSource: string,
  fromCheckpoint?: BertArchitecture,
): BertEncoderConfig {
  const dim = o.dim ?? 64;
  let arch: BertArchitecture = {
    vocabSize,
    dim,
    depth: o.depth ?? 2,
    heads: o.heads ?? 4,
    mlpDim: o.mlpDim ?? 4 * dim,
    maxPositions: o.maxPositions ?? o.maxLength,
    typeVocabSize: o.typeVocabSize ?? 1,
    layerNormEps: o.layerNormEps ?? 1e-12,
  };
  if (fromCheckpoint) {
    const given = o as Partial<Record<keyof BertArchitecture, unknown>>;
    const clashes = (Object.keys(fromCheckpoint) as (keyof BertArchitecture)[])
      .filter((k) => k !== 'vocabSize' && given[k] !== undefined && given[k] !== fromCheckpoint[k])
      .map((k) => `${k} (${quote(given[k])}) but the checkpoint has ${quote(fromCheckpoint[k])}`);
    if (clashes.length > 0) {
      throw new VlakitError(
        'config',
        `${where}: options disagree with ${o.hfCheckpoint}/config.json: ${clashes.join('; ')}`,
      );
    }
    if (fromCheckpoint.vocabSize < vocabSize) {
      throw new VlakitError(
        'config',
        `${where}: ${o.hfCheckpoint}/config.json has vocab_size ${fromCheckpoint.vocabSize} but its tokenizer has ${vocabSize} tokens`,
      );
    }
    arch = fromCheckpoint;
  }
  const problems: string[] = [];
  if (arch.dim % arch.heads !== 0) problems.push(`heads (${arch.heads}) must divide dim (${arch.dim})`);
  if (o.maxLength > arch.maxPositions)
    problems.push(`maxLength (${o.maxLength}) must be <= maxPositions (${arch.maxPositions})`);
  if (problems.length > 0) throw new VlakitError('config', `invalid ${where}:\n  ${problems.join('\n  ')}`);
  return {
    ...arch,
    maxLength: o.maxLength,
    lowerCase: o.lowerCase,
    initStd: o.initStd,
    vocabSource,
    ...(o.hfCheckpoint !== undefined ? { hfCheckpoint: o.hfCheckpoint } : {}),
  };
}
