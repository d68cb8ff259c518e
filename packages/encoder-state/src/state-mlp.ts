import * as tf from '@tensorflow/tfjs';
import {
  activate,
  type ForwardOptions,
  init,
  type PortSpec,
  port,
  type StateEncoderV1,
  type TensorMap,
  TfStage,
  type VariableFactory,
} from '@vlakit/core';
import type { StateMlpConfig } from './state-mlp-config.js';

/*
 * State encoder: the robot state (proprioception) as one token for the fusion.
 *
 *   h_0 = state                                  (B, S)
 *   h_i = act(h_{i-1} W_i + b_i)   i = 1..n      (B, H_i)
 *   tokens = reshape(h_n W_o + b_o, 1, D)        (B, 1, D)
 */
export class StateMlpEncoder extends TfStage<StateMlpConfig> implements StateEncoderV1 {
  readonly kind = 'StateEncoder' as const;

  constructor(config: StateMlpConfig, context: { name: string; seed: number }) {
    const { inputs, outputs } = stateMlpPorts(config);
    super({ pluginId: 'state-mlp', name: context.name, config, seed: context.seed, inputs, outputs });
  }

  protected createVariables(f: VariableFactory): void {
    const { stateDim, hidden, dim } = this.config;
    let width = stateDim;
    hidden.forEach((units, i) => {
      f.add(`hidden${i}/kernel`, [width, units], init.glorot);
      f.add(`hidden${i}/bias`, [units], init.zeros);
      width = units;
    });
    f.add('output/kernel', [width, dim], init.glorot);
    f.add('output/bias', [dim], init.zeros);
  }

  protected compute(inputs: Readonly<TensorMap>, _options: ForwardOptions): TensorMap {
    const { hidden, dim, activation } = this.config;
    let h = inputs['state']!; // (B, S)
    for (let i = 0; i < hidden.length; i++) {
      const z = tf.add(tf.matMul(h, this.v(`hidden${i}/kernel`)), this.v(`hidden${i}/bias`)); // (B, H_i)
      h = activate(z, activation); // (B, H_i)
    }
    const out = tf.add(tf.matMul(h, this.v('output/kernel')), this.v('output/bias')); // (B, D)
    return { tokens: tf.reshape(out, [-1, 1, dim]) }; // (B, 1, D)
  }
}

/** The ports of a state-mlp encoder with this configuration. */
export function stateMlpPorts(config: StateMlpConfig): { inputs: PortSpec[]; outputs: PortSpec[] } {
  return {
    inputs: [port('state', ['B', config.stateDim], 'float32', { description: 'normalised robot state' })],
    outputs: [port('tokens', ['B', 1, config.dim], 'float32', { description: 'the state as one token' })],
  };
}
