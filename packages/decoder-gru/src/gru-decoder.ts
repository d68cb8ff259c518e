import * as tf from '@tensorflow/tfjs';
import {
  type ActionDecoderV1,
  type ForwardOptions,
  init,
  type PortSpec,
  port,
  type TensorMap,
  TfStage,
  type VariableFactory,
} from '@vlakit/core';
import { type GruWeights, gruInputProjection, gruSequence } from './gru-cell.js';
import type { GruDecoderConfig } from './gru-decoder-config.js';

/*
 * GRU action decoder: fused (B, D) -> an action chunk (B, T, A) and a task-completion logit.
 *
 *   h_0 = tanh(fused W_init + b_init)                          (B, U)
 *   x_t = [query_t, fused] | query_t | fused   (stepInput)      (B, I)
 *   h_t = GRU(x_t, h_{t-1})   t = 1..T      (gru-cell.ts)      (B, U)
 *   a_t = h_t W_head + b_head  (one dense head shared by the steps)  (B, A)
 *   done = fused W_done + b_done                                (B, 1)
 *
 * The input projection x_t W is computed once for all steps: the query rows of W act on the
 * (T, E) query table and the fused rows on fused (B, D), and the two broadcast-add to (B, T, 3U),
 * which equals concat(query_t, fused) W without materialising the (B, T, I) step inputs.
 */
export class GruDecoder extends TfStage<GruDecoderConfig> implements ActionDecoderV1 {
  readonly kind = 'ActionDecoder' as const;

  constructor(config: GruDecoderConfig, context: { name: string; seed: number }) {
    const { inputs, outputs } = gruDecoderPorts(config);
    super({ pluginId: 'gru', name: context.name, config, seed: context.seed, inputs, outputs });
  }

  protected createVariables(f: VariableFactory): void {
    const { fusedDim, hidden, chunk, actionDim, stepInput, queryDim, stepWidth } = this.config;
    f.add('init/kernel', [fusedDim, hidden], init.glorot);
    f.add('init/bias', [hidden], init.zeros);
    if (stepInput !== 'fused') f.add('queries', [chunk, queryDim], init.normal(0.5));
    // rows of gru/kernel: [query rows (E); fused rows (D)] as the step input is [query_t, fused]
    f.add('gru/kernel', [stepWidth, 3 * hidden], init.glorot);
    f.add('gru/recurrentKernel', [hidden, 3 * hidden], init.glorot);
    f.add('gru/inputBias', [3 * hidden], init.zeros);
    f.add('gru/recurrentBias', [3 * hidden], init.zeros);
    f.add('head/kernel', [hidden, actionDim], init.glorot);
    f.add('head/bias', [actionDim], init.zeros);
    f.add('done/kernel', [fusedDim, 1], init.glorot);
    f.add('done/bias', [1], init.zeros);
  }

  /** The GRU's weights, in the layout gru-cell.ts documents (for export and tests). */
  gruWeights(): GruWeights {
    return {
      kernel: this.v('gru/kernel'),
      recurrentKernel: this.v('gru/recurrentKernel'),
      inputBias: this.v('gru/inputBias'),
      recurrentBias: this.v('gru/recurrentBias'),
    };
  }

  protected compute(inputs: Readonly<TensorMap>, _options: ForwardOptions): TensorMap {
    const { chunk, actionDim, hidden, stepInput, queryDim } = this.config;
    const fused = inputs['fused']!; // (B, D)
    const w = this.gruWeights();
    const h0 = tf.tanh(tf.add(tf.matMul(fused, this.v('init/kernel')), this.v('init/bias'))); // (B, U)

    let xProjected: tf.Tensor; // (B|1, T|1, 3U): the input side of every gate at every step
    if (stepInput === 'fused') {
      xProjected = tf.expandDims(gruInputProjection(fused, w.kernel, w.inputBias), 1); // (B, 1, 3U)
    } else {
      const queryRows = tf.slice(w.kernel, [0, 0], [queryDim, -1]); // (E, 3U)
      const fromQueries = gruInputProjection(this.v('queries'), queryRows, w.inputBias); // (T, 3U)
      xProjected = tf.expandDims(fromQueries, 0); // (1, T, 3U)
      if (stepInput === 'both') {
        const fusedRows = tf.slice(w.kernel, [queryDim, 0], [-1, -1]); // (D, 3U)
        const fromFused = tf.matMul(fused, fusedRows); // (B, 3U)
        xProjected = tf.add(xProjected, tf.expandDims(fromFused, 1)); // (B, T, 3U)
      }
    }
    const states = gruSequence(xProjected, h0, w, chunk); // (B, T, U)
    const flat = tf.reshape(states, [-1, hidden]); // (B*T, U)
    const perStep = tf.add(tf.matMul(flat, this.v('head/kernel')), this.v('head/bias')); // (B*T, A)
    const actions = tf.reshape(perStep, [-1, chunk, actionDim]); // (B, T, A)
    const done = tf.add(tf.matMul(fused, this.v('done/kernel')), this.v('done/bias')); // (B, 1)
    return { actions, done };
  }
}

/** The ports of a GRU decoder with this configuration. */
export function gruDecoderPorts(config: GruDecoderConfig): { inputs: PortSpec[]; outputs: PortSpec[] } {
  const { fusedDim, chunk, actionDim } = config;
  return {
    inputs: [port('fused', ['B', fusedDim], 'float32', { description: 'fused observation feature' })],
    outputs: [
      port('actions', ['B', chunk, actionDim], 'float32', { description: 'normalised action chunk' }),
      port('done', ['B', 1], 'float32', { description: 'task-completion logit' }),
    ],
  };
}
