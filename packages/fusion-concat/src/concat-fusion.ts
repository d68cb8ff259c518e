import * as tf from '@tensorflow/tfjs';
import {
  activate,
  type ForwardOptions,
  type FusionV1,
  init,
  type PortSpec,
  port,
  type TensorMap,
  TfStage,
  type VariableFactory,
} from '@vlakit/core';
import type { ConcatFusionConfig } from './concat-fusion-config.js';

/*
 * Concatenation fusion (the seed's "simple concatenation"):
 *
 *   vision (B, N, Dv)   -- mean over N          --> (B, Dv) --+
 *   language (B, L, Dl) -- masked mean over L   --> (B, Dl) --+-- concat (B, Dv + Dl + Ds)
 *   state (B, 1, Ds)    -- the one token        --> (B, Ds) --+      -> act(x W + b) -> fused (B, D)
 *
 * Language and state are used when wired (or their widths set); vision always.
 */
export class ConcatFusion extends TfStage<ConcatFusionConfig> implements FusionV1 {
  readonly kind = 'Fusion' as const;

  constructor(config: ConcatFusionConfig, context: { name: string; seed: number }) {
    const { inputs, outputs } = concatFusionPorts(config);
    super({ pluginId: 'concat', name: context.name, config, seed: context.seed, inputs, outputs });
  }

  protected createVariables(f: VariableFactory): void {
    const { dim, visionDim, languageDim, stateDim } = this.config;
    const width = visionDim + (languageDim ?? 0) + (stateDim ?? 0);
    // rows of the kernel: [vision (Dv); language (Dl); state (Ds)], the concatenation order
    f.add('projection/kernel', [width, dim], init.glorot);
    f.add('projection/bias', [dim], init.zeros);
  }

  protected compute(inputs: Readonly<TensorMap>, _options: ForwardOptions): TensorMap {
    const { activation, stateDim } = this.config;
    const parts = [tf.mean(inputs['vision']!, 1)]; // (B, Dv)
    const language = inputs['language']; // (B, L, Dl) when wired
    if (language !== undefined) {
      const mask = tf.reshape(inputs['languageMask']!, [-1, language.shape[1]!, 1]); // (B, L, 1)
      const total = tf.sum(tf.mul(language, mask), 1); // (B, Dl)
      parts.push(tf.div(total, tf.maximum(tf.sum(mask, 1), 1e-6))); // (B, Dl): masked mean
    }
    const state = inputs['state']; // (B, 1, Ds) when wired
    if (state !== undefined) parts.push(tf.reshape(state, [-1, stateDim!])); // (B, Ds)
    const joined = parts.length === 1 ? parts[0]! : tf.concat(parts, 1); // (B, Dv + Dl + Ds)
    const projected = tf.add(tf.matMul(joined, this.v('projection/kernel')), this.v('projection/bias')); // (B, D)
    return { fused: activate(projected, activation) }; // (B, D)
  }
}

/** The ports of a concat fusion with this configuration. */
export function concatFusionPorts(config: ConcatFusionConfig): { inputs: PortSpec[]; outputs: PortSpec[] } {
  const { dim, visionDim, languageDim, stateDim } = config;
  const inputs = [port('vision', ['B', 'N', visionDim], 'float32', { description: 'vision tokens' })];
  if (languageDim !== undefined) {
    inputs.push(
      port('language', ['B', 'L', languageDim], 'float32', { description: 'language tokens' }),
      port('languageMask', ['B', 'L'], 'float32', { description: '1 = real token, 0 = padding' }),
    );
  }
  if (stateDim !== undefined) {
    inputs.push(port('state', ['B', 1, stateDim], 'float32', { description: 'state token' }));
  }
  return {
    inputs,
    outputs: [port('fused', ['B', dim], 'float32', { description: 'projected pooled features' })],
  };
}
