import * as tf from '@tensorflow/tfjs';
import {
  type ActionDecoderV1,
  dense,
  type ForwardOptions,
  init,
  type PortSpec,
  port,
  type TensorMap,
  TfStage,
  type VariableFactory,
} from '@vlakit/core';
import { GATES, type Gate, gruSequence, type PerGate } from './gru-cell.js';
import { type GruDecoderConfig, gruStepWidth } from './gru-decoder-config.js';

/*
 * GRU action decoder: fused (B, D) -> an action chunk (B, T, A) and a task-completion logit.
 *
 *   h_0 = tanh(fused W_init + b_init)                          (B, U)
 *   x_t = [query_t, fused] | query_t | fused   (stepInput)      (B, I)
 *   h_t = GRU(x_t, h_{t-1})   t = 1..T      (gru-cell.ts)      (B, U)
 *   a_t = h_t W_head + b_head  (one dense head shared by the steps)  (B, A)
 *   done = fused W_done + b_done                                (B, 1)
 *
 * Each gate's input kernel W_g (I, U) is stored as its query rows `gru/<g>/queryKernel` (E, U)
 * and its fused rows `gru/<g>/fusedKernel` (D, U): then x_t W_g = query_t W_g^q + fused W_g^f,
 * computed once for all steps ((T, 1, U) + (1, B, U) -> (T, B, U)) without materialising the
 * (T, B, I) step inputs.
 */
export class GruDecoder extends TfStage<GruDecoderConfig> implements ActionDecoderV1 {
  readonly kind = 'ActionDecoder' as const;

  constructor(config: GruDecoderConfig, context: { name: string; seed: number }) {
    const { inputs, outputs } = gruDecoderPorts(config);
    super({ pluginId: 'gru', name: context.name, config, seed: context.seed, inputs, outputs });
  }

  private get usesQueries(): boolean {
    return this.config.stepInput !== 'fused';
  }

  private get usesFused(): boolean {
    return this.config.stepInput !== 'queries';
  }

  protected createVariables(f: VariableFactory): void {
    const { fusedDim, hidden, chunk, actionDim, queryDim } = this.config;
    f.add('init/kernel', [fusedDim, hidden], init.glorot);
    f.add('init/bias', [hidden], init.zeros);
    if (this.usesQueries) f.add('queries', [chunk, queryDim], init.normal(0.5));
    for (const g of GATES) {
      if (this.usesQueries) f.add(`gru/${g}/queryKernel`, [queryDim, hidden], init.glorot);
      if (this.usesFused) f.add(`gru/${g}/fusedKernel`, [fusedDim, hidden], init.glorot);
      f.add(`gru/${g}/inputBias`, [hidden], init.zeros);
      f.add(`gru/${g}/recurrentKernel`, [hidden, hidden], init.glorot);
      f.add(`gru/${g}/recurrentBias`, [hidden], init.zeros);
    }
    f.add('head/kernel', [hidden, actionDim], init.glorot);
    f.add('head/bias', [actionDim], init.zeros);
    f.add('done/kernel', [fusedDim, 1], init.glorot);
    f.add('done/bias', [1], init.zeros);
  }

  private perGate(name: string): PerGate {
    return { z: this.v(`gru/z/${name}`), r: this.v(`gru/r/${name}`), h: this.v(`gru/h/${name}`) };
  }

  protected compute(inputs: Readonly<TensorMap>, _options: ForwardOptions): TensorMap {
    const { chunk, actionDim, hidden } = this.config;
    const fused = inputs['fused']!; // (B, D)
    const h0 = tf.tanh(dense(fused, { kernel: this.v('init/kernel'), bias: this.v('init/bias') })); // (B, U)

    // the input side of every gate at every step, time-major (T|1, B|1, U)
    const projection = (g: Gate): tf.Tensor => {
      const bias = this.v(`gru/${g}/inputBias`); // (U), added once, on the first projection
      const q = this.usesQueries
        ? tf.reshape(dense(this.v('queries'), { kernel: this.v(`gru/${g}/queryKernel`), bias }), [
            chunk,
            1,
            hidden,
          ]) // (T, 1, U)
        : undefined;
      const f = this.usesFused
        ? tf.reshape(
            dense(fused, { kernel: this.v(`gru/${g}/fusedKernel`), ...(q === undefined ? { bias } : {}) }),
            [1, -1, hidden],
          ) // (1, B, U)
        : undefined;
      return q !== undefined && f !== undefined ? tf.add(q, f) : (q ?? f)!; // (T|1, B|1, U)
    };
    const xProjected = { z: projection('z'), r: projection('r'), h: projection('h') };
    const recurrent = {
      recurrentKernel: this.perGate('recurrentKernel'),
      recurrentBias: this.perGate('recurrentBias'),
    };
    const states = gruSequence(xProjected, h0, recurrent, chunk); // (T, B, U)

    const flat = tf.reshape(states, [-1, hidden]); // (T*B, U)
    const perStep = dense(flat, { kernel: this.v('head/kernel'), bias: this.v('head/bias') }); // (T*B, A)
    const actions = tf.transpose(tf.reshape(perStep, [chunk, -1, actionDim]), [1, 0, 2]); // (B, T, A)
    const done = dense(fused, { kernel: this.v('done/kernel'), bias: this.v('done/bias') }); // (B, 1)
    return { actions, done };
  }

  /**
   * The GRU's weights in the ONNX GRU layout (opset 17, linear_before_reset = 1, gates z, r, h),
   * for an exporter that emits one GRU node. The step input it expects is
   * X_t = [query_t (E), fused (D)] (stepInput 'both'), query_t ('queries') or fused ('fused').
   */
  gruOnnxWeights(): {
    W: { data: Float32Array; dims: [1, number, number] };
    R: { data: Float32Array; dims: [1, number, number] };
    B: { data: Float32Array; dims: [1, number] };
    stepInput: GruDecoderConfig['stepInput'];
  } {
    const { hidden: u, queryDim: e } = this.config;
    const i = gruStepWidth(this.config);
    const read = (name: string) => this.v(name).dataSync() as Float32Array;
    const W = new Float32Array(3 * u * i);
    const R = new Float32Array(3 * u * u);
    const B = new Float32Array(6 * u);
    GATES.forEach((g, gi) => {
      // W_g^T rows: W[gi*U + j, col] = W_g[col, j], with the query rows first
      const blocks: Array<[Float32Array, number, number]> = []; // [kernel, rows, first input column]
      if (this.usesQueries) blocks.push([read(`gru/${g}/queryKernel`), e, 0]);
      if (this.usesFused)
        blocks.push([read(`gru/${g}/fusedKernel`), i - (this.usesQueries ? e : 0), this.usesQueries ? e : 0]);
      for (const [kernel, rows, offset] of blocks)
        for (let row = 0; row < rows; row++)
          for (let j = 0; j < u; j++) W[(gi * u + j) * i + offset + row] = kernel[row * u + j]!;
      const rk = read(`gru/${g}/recurrentKernel`);
      for (let row = 0; row < u; row++)
        for (let j = 0; j < u; j++) R[(gi * u + j) * u + row] = rk[row * u + j]!;
      B.set(read(`gru/${g}/inputBias`), gi * u);
      B.set(read(`gru/${g}/recurrentBias`), 3 * u + gi * u);
    });
    return {
      W: { data: W, dims: [1, 3 * u, i] },
      R: { data: R, dims: [1, 3 * u, u] },
      B: { data: B, dims: [1, 6 * u] },
      stepInput: this.config.stepInput,
    };
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
