/** @vlakit/encoder-bert: the `bert` LanguageEncoder stage plugin and its WordPiece tokenizer. */
export { BertEncoder } from './bert-encoder.js';
export {
  type BertArchitecture,
  type BertEncoderConfig,
  type BertEncoderOptions,
  bertEncoderSchema,
  parseBertOptions,
  resolveBertConfig,
} from './bert-encoder-config.js';
export { containerModule } from './bert-encoder-module.js';
export {
  BERT_PACKAGE_VERSION,
  BERT_PLUGIN_ID,
  BertEncoderPlugin,
  bertManifest,
  bertManifest as manifest,
} from './bert-encoder-plugin.js';
export { loadHfBertCheckpoint, readHfBertConfig } from './hf-bert-checkpoint.js';
export { INSTRUCTION_WORDS, instructionVocabulary, SPECIAL_TOKENS } from './instruction-vocabulary.js';
export { type WordPieceOptions, WordPieceTokenizer } from './wordpiece-tokenizer.js';
