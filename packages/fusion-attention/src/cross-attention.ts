import * as tf from '@tensorflow/tfjs';
import {
  activate,
  dense,
  type ForwardOptions,
  type FusionV1,
  init,
  layerNorm,
  type PortSpec,
  port,
  scaledDotProductAttention,
  type TensorMap,
  TfStage,
  type VariableFactory,
} from '@vlakit/core';
import type { CrossAttentionConfig } from './cross-attention-config.js';

/*
 * Cross-attention fusion (one post-LN transformer block whose keys come from the other modality):
 *
 *   query tokens (B, Lq, Dq) --in--> x (B, Lq, D) ---------------------------+
 *                                     | Wq                                   |
 *   key tokens (B, Lk, Dk) --Wk,Wv--> multi-head attention (key mask) --Wo--> + -> LayerNorm -> h
 *   [state (B, 1, Ds) --Wsk,Wsv--> one more key/value token]                  h -> FFN -> + -> LayerNorm
 *                                                                             -> tokens (B, Lq, D)
 *   fused (B, D) = mean of tokens over the query positions (masked mean for language queries)
 *
 * query 'language' (default): Lq = L instruction tokens, keys = N vision tokens (+ state).
 * query 'vision': Lq = N vision tokens, keys = L instruction tokens masked by languageMask (+ state).
 * Masked keys get exactly zero attention; a query row with no valid key attends to nothing.
 */
export class CrossAttentionFusion extends TfStage<CrossAttentionConfig> implements FusionV1 {
  readonly kind = 'Fusion' as const;

  constructor(config: CrossAttentionConfig, context: { name: string; seed: number }) {
    const { inputs, outputs } = crossAttentionPorts(config);
    super({ pluginId: 'cross-attention', name: context.name, config, seed: context.seed, inputs, outputs });
  }

  /** Widths of the query and key tokens. */
  private get sides(): { queryDim: number; keyDim: number } {
    const { query, visionDim, languageDim } = this.config;
    return query === 'language'
      ? { queryDim: languageDim, keyDim: visionDim }
      : { queryDim: visionDim, keyDim: languageDim };
  }

  protected createVariables(f: VariableFactory): void {
    const { dim, ffnDim, stateDim } = this.config;
    const { queryDim, keyDim } = this.sides;
    const dense = (name: string, fanIn: number, fanOut: number) => {
      f.add(`${name}/kernel`, [fanIn, fanOut], init.glorot);
      f.add(`${name}/bias`, [fanOut], init.zeros);
    };
    dense('query/in', queryDim, dim);
    dense('attention/query', dim, dim);
    dense('attention/key', keyDim, dim);
    dense('attention/value', keyDim, dim);
    if (stateDim !== undefined) {
      dense('attention/stateKey', stateDim, dim);
      dense('attention/stateValue', stateDim, dim);
    }
    dense('attention/output', dim, dim);
    f.add('norm1/gamma', [dim], init.ones);
    f.add('norm1/beta', [dim], init.zeros);
    dense('ffn/in', dim, ffnDim);
    dense('ffn/out', ffnDim, dim);
    f.add('norm2/gamma', [dim], init.ones);
    f.add('norm2/beta', [dim], init.zeros);
  }

  private dense(name: string, x: tf.Tensor): tf.Tensor {
    return dense(x, { kernel: this.v(`${name}/kernel`), bias: this.v(`${name}/bias`) }); // (B, L, Dout)
  }

  protected compute(inputs: Readonly<TensorMap>, _options: ForwardOptions): TensorMap {
    const { heads, query, activation, layerNormEpsilon: epsilon } = this.config;
    const vision = inputs['vision']!; // (B, N, Dv)
    const language = inputs['language']!; // (B, L, Dl)
    const languageMask = inputs['languageMask']!; // (B, L)
    const queryTokens = query === 'language' ? language : vision; // (B, Lq, Dq)
    const keyTokens = query === 'language' ? vision : language; // (B, Lk, Dk)
    const queryLength = queryTokens.shape[1]!;

    const x = this.dense('query/in', queryTokens); // (B, Lq, D)
    let keys = this.dense('attention/key', keyTokens); // (B, Lk, D)
    let values = this.dense('attention/value', keyTokens); // (B, Lk, D)
    let keyMask = query === 'vision' ? languageMask : undefined; // (B, Lk) or none: vision keys are all valid
    const state = inputs['state']; // (B, 1, Ds) when wired
    if (state !== undefined) {
      keys = tf.concat([keys, this.dense('attention/stateKey', state)], 1); // (B, Lk + 1, D)
      values = tf.concat([values, this.dense('attention/stateValue', state)], 1); // (B, Lk + 1, D)
      const stateIsValid: Array<[number, number]> = [
        [0, 0],
        [0, 1],
      ]; // pad the key axis with one 1
      if (keyMask !== undefined) keyMask = tf.pad(keyMask, stateIsValid, 1); // (B, Lk + 1)
    }
    // masked keys get exactly zero weight, and a query with no valid key attends to nothing
    const { context, probabilities: attention } = scaledDotProductAttention(
      this.dense('attention/query', x), // (B, Lq, D)
      keys,
      values,
      heads,
      { keyMask, zeroMasked: true },
    ); // (B, Lq, D), (B, H, Lq, Lk)

    const h = layerNorm(
      tf.add(x, this.dense('attention/output', context)), // (B, Lq, D)
      { gamma: this.v('norm1/gamma'), beta: this.v('norm1/beta') },
      epsilon,
    ); // (B, Lq, D)
    const ff = this.dense('ffn/out', activate(this.dense('ffn/in', h), activation)); // (B, Lq, D)
    let tokens = layerNorm(
      tf.add(h, ff),
      { gamma: this.v('norm2/gamma'), beta: this.v('norm2/beta') },
      epsilon,
    ); // (B, Lq, D)

    let fused: tf.Tensor;
    if (query === 'language') {
      const mask = tf.reshape(languageMask, [-1, queryLength, 1]); // (B, L, 1)
      tokens = tf.mul(tokens, mask); // (B, L, D): zero at padding, like the language encoder's tokens
      fused = tf.div(tf.sum(tokens, 1), tf.maximum(tf.sum(mask, 1), 1e-6)); // (B, D): masked mean
    } else {
      fused = tf.mean(tokens, 1); // (B, D)
    }
    return { fused, tokens, attention };
  }
}

/** The ports of a cross-attention stage with this configuration. */
export function crossAttentionPorts(config: CrossAttentionConfig): {
  inputs: PortSpec[];
  outputs: PortSpec[];
} {
  const { dim, heads, query, visionDim, languageDim, stateDim } = config;
  const inputs = [
    port('vision', ['B', 'N', visionDim], 'float32', { description: 'vision tokens' }),
    port('language', ['B', 'L', languageDim], 'float32', { description: 'language tokens' }),
    port('languageMask', ['B', 'L'], 'float32', { description: '1 = real token, 0 = padding' }),
  ];
  if (stateDim !== undefined) {
    inputs.push(port('state', ['B', 1, stateDim], 'float32', { description: 'state token, an extra key' }));
  }
  const queryLength = query === 'language' ? 'L' : 'N';
  // K: the keys, the other side's tokens plus the state token when there is one
  const keyLength = stateDim !== undefined ? 'K' : query === 'language' ? 'N' : 'L';
  const outputs = [
    port('fused', ['B', dim], 'float32', { description: 'mean of the attended query tokens' }),
    port('tokens', ['B', queryLength, dim], 'float32', { description: 'attended query tokens' }),
    port('attention', ['B', heads, queryLength, keyLength], 'float32', {
      inspection: true,
      description: `attention of each ${query} token over the keys, per head (rows sum to 1)`,
    }),
  ];
  return { inputs, outputs };
}
