import type { StageV1 } from '@vlakit/core';
import { registerBuiltinStageMapping, type StageMapping } from './onnx-exportable.js';

/** What @vlakit/decoder-gru's stage exposes for exporters (see its gruOnnxWeights()). */
interface GruDecoderLike extends StageV1 {
  readonly config: Readonly<{
    chunk: number;
    hidden: number;
    stepInput: 'queries' | 'fused' | 'both';
    queryDim: number;
  }>;
  gruOnnxWeights(): {
    W: { data: Float32Array; dims: [1, number, number] };
    R: { data: Float32Array; dims: [1, number, number] };
    B: { data: Float32Array; dims: [1, number] };
    stepInput: 'queries' | 'fused' | 'both';
  };
}

const isGruDecoder = (s: StageV1): s is GruDecoderLike =>
  s.pluginId === 'gru' && typeof (s as Partial<GruDecoderLike>).gruOnnxWeights === 'function';

/**
 * @vlakit/decoder-gru as one ONNX GRU node (linear_before_reset = 1, gates z, r, h) instead of
 * its unrolled steps:
 *   h0 = tanh(fused W_init + b_init); X_t = [query_t, fused] | query_t | fused   (T, B, I)
 *   Y = GRU(X, W, R, B, h0)                                                       (T, 1, B, U)
 *   actions = transpose(Y W_head + b_head)                                        (B, T, A)
 *   done = fused W_done + b_done                                                  (B, 1)
 */
export function gruDecoderMapping(stage: StageV1): StageMapping | undefined {
  if (!isGruDecoder(stage)) return undefined;
  return (ctx) => {
    const g = ctx.builder;
    const { chunk: t, hidden: u, queryDim: e } = stage.config;
    const w = stage.gruOnnxWeights();
    const name = (n: string) => `${stage.name}/${n}`;
    const fused = ctx.inputs['fused']!; // (B, D)
    const d = ctx.inputShapes['fused']![1]!;
    const axes0 = g.int64s([0], 'axes');
    const node = (op: string, ins: string[], attrs = {}) => g.node(op, ins, 1, attrs, name(op))[0]!;

    const h0 = node('Tanh', [
      node('Add', [node('MatMul', [fused, ctx.variable('init/kernel')]), ctx.variable('init/bias')]),
    ]); // (B, U)
    const initialH = node('Unsqueeze', [h0, axes0]); // (1, B, U)
    const batch = g.node('Shape', [fused], 1, { start: 0, end: 1 }, name('batch'))[0]!; // (1,)
    const steps: string[] = [];
    if (w.stepInput !== 'fused') {
      const q = node('Unsqueeze', [ctx.variable('queries'), g.int64s([1], 'axes')]); // (T, 1, E)
      const shape = node('Concat', [g.int64s([t], 'shape_part'), batch, g.int64s([e], 'shape_part')], {
        axis: 0,
      });
      steps.push(node('Expand', [q, shape])); // (T, B, E)
    }
    if (w.stepInput !== 'queries') {
      const f = node('Unsqueeze', [fused, axes0]); // (1, B, D)
      steps.push(node('Tile', [f, g.int64s([t, 1, 1], 'repeats')])); // (T, B, D)
    }
    void d;
    const x = steps.length === 1 ? steps[0]! : node('Concat', steps, { axis: 2 }); // (T, B, I)
    const W = g.initializer(name('gru/onnx_W'), { dtype: 'float32', shape: w.W.dims, data: w.W.data }); // (1, 3U, I)
    const R = g.initializer(name('gru/onnx_R'), { dtype: 'float32', shape: w.R.dims, data: w.R.data }); // (1, 3U, U)
    const B = g.initializer(name('gru/onnx_B'), { dtype: 'float32', shape: w.B.dims, data: w.B.data }); // (1, 6U)
    const [y] = g.node(
      'GRU',
      [x, W, R, B, '', initialH],
      1,
      { hidden_size: u, linear_before_reset: 1 },
      name('GRU'),
    ); // (T, 1, B, U)
    const states = node('Squeeze', [y!, g.int64s([1], 'axes')]); // (T, B, U)
    const perStep = node('Add', [
      node('MatMul', [states, ctx.variable('head/kernel')]),
      ctx.variable('head/bias'),
    ]); // (T, B, A)
    const actions = g.node(
      'Transpose',
      [perStep],
      [ctx.outputName('actions')],
      { perm: [1, 0, 2] },
      name('Transpose'),
    )[0]!; // (B, T, A)
    const doneMm = node('MatMul', [fused, ctx.variable('done/kernel')]); // (B, 1)
    const done = g.node(
      'Add',
      [doneMm, ctx.variable('done/bias')],
      [ctx.outputName('done')],
      {},
      name('Add'),
    )[0]!;
    return { actions, done };
  };
}

registerBuiltinStageMapping(gruDecoderMapping);
