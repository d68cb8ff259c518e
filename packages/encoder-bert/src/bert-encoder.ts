import * as tf from '@tensorflow/tfjs';
import {
  type AttentionWeights,
  dense,
  type ForwardOptions,
  geluErf,
  init,
  type LanguageEncoderV1,
  type LayerNormWeights,
  layerNorm,
  multiHeadAttention,
  type PretrainedLoadReport,
  quote,
  type TensorMap,
  TfStage,
  type TfStageInit,
  type VariableFactory,
  VlakitError,
} from '@vlakit/core';
import type { BertEncoderConfig } from './bert-encoder-config.js';
import { loadHfBertCheckpoint } from './hf-bert-checkpoint.js';
import type { WordPieceTokenizer } from './wordpiece-tokenizer.js';

/*
 * BERT (Devlin et al. 2019), Hugging Face BertModel layout:
 *
 *   tokenIds (B,L) -> word[ids] + position[0..L) + tokenType[0] -> LN -> (B,L,D)
 *   -> depth x post-LN block: x = LN(x + MHA(x, mask)); x = LN(x + MLP(x)), MLP = fc1 -> GELU(erf) -> fc2
 *   -> tokens (B,L,D), mask (B,L) passed through (padding positions are not zeroed, as in HF)
 */
export class BertEncoder extends TfStage<BertEncoderConfig> implements LanguageEncoderV1 {
  readonly kind = 'LanguageEncoder' as const;
  readonly tokenizer: WordPieceTokenizer;

  constructor(init: TfStageInit<BertEncoderConfig> & { tokenizer: WordPieceTokenizer }) {
    super(init);
    this.tokenizer = init.tokenizer;
  }

  protected createVariables(f: VariableFactory): void {
    const { vocabSize, dim, depth, mlpDim, maxPositions, typeVocabSize, initStd } = this.config;
    const w = init.truncatedNormal(initStd);
    f.add('embeddings/word', [vocabSize, dim], w);
    f.add('embeddings/position', [maxPositions, dim], w);
    f.add('embeddings/tokenType', [typeVocabSize, dim], w);
    f.add('embeddings/ln/gamma', [dim], init.ones);
    f.add('embeddings/ln/beta', [dim], init.zeros);
    for (let i = 0; i < depth; i++) {
      const b = `block${i}`;
      for (const proj of ['query', 'key', 'value', 'output']) {
        f.add(`${b}/attn/${proj}/kernel`, [dim, dim], w);
        f.add(`${b}/attn/${proj}/bias`, [dim], init.zeros);
      }
      f.add(`${b}/ln1/gamma`, [dim], init.ones);
      f.add(`${b}/ln1/beta`, [dim], init.zeros);
      f.add(`${b}/mlp/fc1/kernel`, [dim, mlpDim], w);
      f.add(`${b}/mlp/fc1/bias`, [mlpDim], init.zeros);
      f.add(`${b}/mlp/fc2/kernel`, [mlpDim, dim], w);
      f.add(`${b}/mlp/fc2/bias`, [dim], init.zeros);
      f.add(`${b}/ln2/gamma`, [dim], init.ones);
      f.add(`${b}/ln2/beta`, [dim], init.zeros);
    }
  }

  private ln(prefix: string): LayerNormWeights {
    return { gamma: this.v(`${prefix}/gamma`), beta: this.v(`${prefix}/beta`) };
  }

  private linear(prefix: string) {
    return { kernel: this.v(`${prefix}/kernel`), bias: this.v(`${prefix}/bias`) };
  }

  private attention(block: string): AttentionWeights {
    const p = `${block}/attn`;
    return {
      query: this.linear(`${p}/query`),
      key: this.linear(`${p}/key`),
      value: this.linear(`${p}/value`),
      output: this.linear(`${p}/output`),
    };
  }

  /** Rejects ids outside the vocabulary (gather would read garbage or throw on some backends). */
  private checkIds(ids: tf.Tensor): void {
    const data = ids.dataSync();
    for (let i = 0; i < data.length; i++) {
      const id = data[i]!;
      if (id < 0 || id >= this.config.vocabSize) {
        throw new VlakitError(
          'input',
          `stage '${this.name}' (bert): input 'tokenIds' holds ${quote(id)} at flat index ${i}; ids must be in [0, ${this.config.vocabSize})`,
        );
      }
    }
  }

  protected compute(inputs: Readonly<TensorMap>, options: ForwardOptions): TensorMap {
    const { dim, depth, heads, layerNormEps: eps } = this.config;
    const ids = inputs['tokenIds']!; // (B, L) int32
    const mask = inputs['mask']!; // (B, L) float32, 1 = token
    const length = ids.shape[1]!;
    this.checkIds(ids);
    const words = tf.gather(this.v('embeddings/word'), ids); // (B, L, D)
    const positions = this.v('embeddings/position').slice([0, 0], [length, dim]); // (L, D)
    const tokenType = this.v('embeddings/tokenType').slice([0, 0], [1, dim]); // (1, D)
    const summed = tf.add(tf.add(words, positions), tokenType); // (B, L, D)
    let x = layerNorm(summed, this.ln('embeddings/ln'), eps); // (B, L, D)
    let probabilities: tf.Tensor | undefined;
    for (let i = 0; i < depth; i++) {
      const blk = `block${i}`;
      const attn = multiHeadAttention(x, x, this.attention(blk), heads, mask); // output (B, L, D)
      probabilities = attn.probabilities; // (B, H, L, L)
      x = layerNorm(tf.add(x, attn.output), this.ln(`${blk}/ln1`), eps); // (B, L, D)
      const hidden = geluErf(dense(x, this.linear(`${blk}/mlp/fc1`))); // (B, L, M)
      x = layerNorm(tf.add(x, dense(hidden, this.linear(`${blk}/mlp/fc2`))), this.ln(`${blk}/ln2`), eps); // (B, L, D)
    }
    const out: TensorMap = { tokens: x, mask: tf.clone(mask) }; // (B, L, D), (B, L)
    if (options.inspect && probabilities) out['attention'] = probabilities; // (B, H, L, L)
    return out;
  }

  /**
   * Loads a Hugging Face BERT checkpoint folder (config.json, model.safetensors, and optionally
   * vocab.txt / tokenizer.json, which must match this stage's tokenizer); see hf-bert-checkpoint.ts.
   */
  async loadPretrained(dir: string): Promise<PretrainedLoadReport> {
    this.build();
    const { values, report } = loadHfBertCheckpoint(dir, this.config, this.tokenizer);
    for (const [name, data] of values) {
      const v = this.v(name);
      tf.tidy(() => v.assign(tf.tensor(data, v.shape, 'float32'))); // (the variable's shape)
    }
    return report;
  }
}
