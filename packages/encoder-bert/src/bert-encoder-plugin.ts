import { createRequire } from 'node:module';
import {
  CoreTokens,
  type Logger,
  type PluginManifest,
  port,
  type StageCreateContext,
  type StagePluginV1,
} from '@vlakit/core';
import { inject, injectable } from 'inversify';
import { BertEncoder } from './bert-encoder.js';
import { bertEncoderSchema, parseBertOptions, resolveBertConfig } from './bert-encoder-config.js';
import { readHfBertConfig } from './hf-bert-checkpoint.js';
import { instructionVocabulary } from './instruction-vocabulary.js';
import { WordPieceTokenizer } from './wordpiece-tokenizer.js';

export const BERT_PLUGIN_ID = 'bert';
/** This package's version, read from its package.json (so changesets bumps reach the manifest). */
export const BERT_PACKAGE_VERSION: string = (
  createRequire(import.meta.url)('../package.json') as { version: string }
).version;

export const bertManifest: PluginManifest = {
  id: BERT_PLUGIN_ID,
  kind: 'LanguageEncoder',
  packageName: '@vlakit/encoder-bert',
  version: BERT_PACKAGE_VERSION,
  description: 'BERT text encoder with a WordPiece tokenizer; loads Hugging Face BERT checkpoints',
  configSchema: bertEncoderSchema,
  specificationVersion: 'v1',
};

/** Creates `bert` stages: tokenIds (B, L), mask (B, L) -> tokens (B, L, D), mask (B, L). */
@injectable()
export class BertEncoderPlugin implements StagePluginV1 {
  readonly manifest = bertManifest;
  constructor(@inject(CoreTokens.Logger) readonly logger: Logger) {}

  create(options: unknown, ctx: StageCreateContext): BertEncoder {
    const where = `stage '${ctx.name}' (bert) options`;
    const o = parseBertOptions(options, where);
    const tk = { maxLength: o.maxLength, lowerCase: o.lowerCase };
    let tokenizer: WordPieceTokenizer;
    let source: string;
    if (o.hfCheckpoint !== undefined) {
      tokenizer = WordPieceTokenizer.fromDir(o.hfCheckpoint, tk);
      source = o.hfCheckpoint;
    } else if (o.vocab !== undefined) {
      tokenizer = WordPieceTokenizer.fromVocab(o.vocab, tk, `${where}.vocab`);
      source = 'options.vocab';
    } else if (o.vocabFile !== undefined) {
      tokenizer = WordPieceTokenizer.fromFile(o.vocabFile, tk);
      source = o.vocabFile;
    } else {
      tokenizer = WordPieceTokenizer.fromVocab(instructionVocabulary(), tk, 'instruction vocabulary');
      source = 'instruction grammar';
    }
    const arch = o.hfCheckpoint !== undefined ? readHfBertConfig(o.hfCheckpoint) : undefined;
    const c = resolveBertConfig(o, where, tokenizer.vocabSize, source, arch);
    const L = c.maxLength;
    return new BertEncoder({
      pluginId: BERT_PLUGIN_ID,
      name: ctx.name,
      config: c,
      seed: ctx.seed,
      tokenizer,
      inputs: [
        port('tokenIds', ['B', L], 'int32', { description: 'WordPiece ids from the stage tokenizer' }),
        port('mask', ['B', L], 'float32', { description: '1 = token, 0 = padding' }),
      ],
      outputs: [
        port('tokens', ['B', L, c.dim], 'float32'),
        port('mask', ['B', L], 'float32'),
        port('attention', ['B', c.heads, L, L], 'float32', {
          inspection: true,
          optional: true,
          description: "last block's attention probabilities",
        }),
      ],
    });
  }
}
