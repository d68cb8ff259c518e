import * as tf from '@tensorflow/tfjs';
import {
  type ActionDecoderV1,
  activate,
  type ForwardOptions,
  init,
  type PortSpec,
  port,
  type TensorMap,
  TfStage,
  type VariableFactory,
} from '@vlakit/core';
import type { MlpDecoderConfig } from './mlp-decoder-config.js';

/*
 * MLP action decoder: fused (B, D) -> hidden layers -> an action chunk and a completion logit.
 *
 *   h_0 = fused                                   (B, D)
 *   h_i = act(h_{i-1} W_i + b_i)   i = 1..n       (B, H_i)
 *   actions = reshape(h_n W_a + b_a, T, A)        (B, T, A)
 *   done    = h_n W_d + b_d                       (B, 1)
 */
export class MlpDecoder extends TfStage<MlpDecoderConfig> implements ActionDecoderV1 {
  readonly kind = 'ActionDecoder' as const;

  constructor(config: MlpDecoderConfig, context: { name: string; seed: number }) {
    const { inputs, outputs } = mlpDecoderPorts(config);
    super({ pluginId: 'mlp', name: context.name, config, seed: context.seed, inputs, outputs });
  }

  protected createVariables(f: VariableFactory): void {
    const { fusedDim, hidden, chunk, actionDim } = this.config;
    let width = fusedDim;
    hidden.forEach((units, i) => {
      f.add(`hidden${i}/kernel`, [width, units], init.glorot);
      f.add(`hidden${i}/bias`, [units], init.zeros);
      width = units;
    });
    f.add('actions/kernel', [width, chunk * actionDim], init.glorot);
    f.add('actions/bias', [chunk * actionDim], init.zeros);
    f.add('done/kernel', [width, 1], init.glorot);
    f.add('done/bias', [1], init.zeros);
  }

  protected compute(inputs: Readonly<TensorMap>, _options: ForwardOptions): TensorMap {
    const { hidden, chunk, actionDim, activation } = this.config;
    let h = inputs['fused']!; // (B, D)
    for (let i = 0; i < hidden.length; i++) {
      const z = tf.add(tf.matMul(h, this.v(`hidden${i}/kernel`)), this.v(`hidden${i}/bias`)); // (B, H_i)
      h = activate(z, activation); // (B, H_i)
    }
    const flat = tf.add(tf.matMul(h, this.v('actions/kernel')), this.v('actions/bias')); // (B, T*A)
    const actions = tf.reshape(flat, [-1, chunk, actionDim]); // (B, T, A)
    const done = tf.add(tf.matMul(h, this.v('done/kernel')), this.v('done/bias')); // (B, 1)
    return { actions, done };
  }
}

/** The ports of an MLP decoder with this configuration. */
export function mlpDecoderPorts(config: MlpDecoderConfig): { inputs: PortSpec[]; outputs: PortSpec[] } {
  const { fusedDim, chunk, actionDim } = config;
  return {
    inputs: [port('fused', ['B', fusedDim], 'float32', { description: 'fused observation feature' })],
    outputs: [
      port('actions', ['B', chunk, actionDim], 'float32', { description: 'normalised action chunk' }),
      port('done', ['B', 1], 'float32', { description: 'task-completion logit' }),
    ],
  };
}
