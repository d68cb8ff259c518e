import * as tf from '@tensorflow/tfjs';
import {
  CoreTokens,
  type ForwardOptions,
  init,
  type Logger,
  type PluginManifest,
  port,
  type StageCreateContext,
  type StagePluginV1,
  StageTokens,
  type TensorMap,
  TfStage,
  type VariableFactory,
} from '@vlakit/core';
import { ContainerModule, inject, injectable } from 'inversify';
import { z } from 'zod';
import type { StageOnnxContext } from './onnx-exportable.js';

/*
 * Stages for the exporter's tests: a third-party-style ViT-like encoder written only in tfjs
 * ops (no ONNX code), and a GRU decoder that maps itself to the ONNX GRU op.
 */

const manifest = (id: string, kind: PluginManifest['kind']): PluginManifest => ({
  id,
  kind,
  packageName: 'vlakit-encoder-tiny-vit',
  version: '0.0.0',
  description: `test stage ${id}`,
  configSchema: z.object({}),
  specificationVersion: 'v1',
});

// ---- tiny ViT: conv patchify -> [+pos] -> LN -> MHSA (erf-GELU MLP) -> LN -> tokens ----
export class TinyVitEncoder extends TfStage<{
  imageSize: number;
  patch: number;
  dim: number;
  heads: number;
}> {
  readonly kind = 'VisionEncoder' as const;
  protected createVariables(f: VariableFactory): void {
    const { patch, dim, imageSize } = this.config;
    const n = (imageSize / patch) ** 2;
    f.add('patch/kernel', [patch, patch, 3, dim], init.glorot);
    f.add('patch/bias', [dim], init.zeros);
    f.add('pos', [n, dim], init.normal(0.02));
    for (const p of ['q', 'k', 'v', 'o', 'fc1', 'fc2']) f.add(`${p}/kernel`, [dim, dim], init.glorot);
    f.add('fc1/bias', [dim], init.normal(0.02));
    f.add('ln1/gamma', [dim], init.ones);
    f.add('ln1/beta', [dim], init.zeros);
  }
  private layerNorm(x: tf.Tensor, name: string): tf.Tensor {
    const mean = x.mean(-1, true); // (B, N, 1)
    const variance = tf.square(x.sub(mean)).mean(-1, true); // (B, N, 1)
    return x
      .sub(mean)
      .mul(tf.rsqrt(variance.add(1e-5)))
      .mul(this.v(`${name}/gamma`))
      .add(this.v(`${name}/beta`)); // (B, N, D)
  }
  protected compute(inputs: Readonly<TensorMap>, _o: ForwardOptions): TensorMap {
    const { patch, dim, heads } = this.config;
    const dh = dim / heads;
    const image = inputs['image'] as tf.Tensor4D; // (B, H, W, 3)
    const b = image.shape[0];
    let x = tf
      .conv2d(image, this.v('patch/kernel') as tf.Tensor4D, patch, 'valid')
      .add(this.v('patch/bias'))
      .reshape([b, -1, dim]); // (B, N, D)
    x = x.add(this.v('pos')); // (B, N, D)
    const h = this.layerNorm(x, 'ln1'); // (B, N, D)
    const split = (t: tf.Tensor) => t.reshape([b, -1, heads, dh]).transpose([0, 2, 1, 3]); // (B, H, N, dh)
    const q = split(tf.matMul(h, this.v('q/kernel'))); // (B, H, N, dh)
    const k = split(tf.matMul(h, this.v('k/kernel'))); // (B, H, N, dh)
    const v = split(tf.matMul(h, this.v('v/kernel'))); // (B, H, N, dh)
    const att = tf.softmax(tf.matMul(q, k, false, true).mul(1 / Math.sqrt(dh))); // (B, H, N, N)
    const ctx = tf.matMul(att, v).transpose([0, 2, 1, 3]).reshape([b, -1, dim]); // (B, N, D)
    x = x.add(tf.matMul(ctx, this.v('o/kernel'))); // (B, N, D)
    const u = tf.matMul(x, this.v('fc1/kernel')).add(this.v('fc1/bias')); // (B, N, D)
    const gelu = u.mul(0.5).mul(tf.erf(u.div(Math.SQRT2)).add(1)); // (B, N, D)
    return { tokens: x.add(tf.matMul(gelu, this.v('fc2/kernel'))) }; // (B, N, D)
  }
}

@injectable()
export class TinyVitPlugin implements StagePluginV1 {
  readonly manifest = manifest('tiny-vit', 'VisionEncoder');
  constructor(@inject(CoreTokens.Logger) readonly logger: Logger) {}
  create(_options: unknown, ctx: StageCreateContext): TinyVitEncoder {
    const config = { imageSize: 8, patch: 4, dim: 8, heads: 2 };
    return new TinyVitEncoder({
      pluginId: 'tiny-vit',
      name: ctx.name,
      config,
      seed: ctx.seed,
      inputs: [port('image', ['B', 8, 8, 3])],
      outputs: [port('tokens', ['B', 4, config.dim])],
    });
  }
}

// ---- GRU decoder: fused repeated over T steps -> GRU -> per-step dense; done from last state ----
export class TestGruDecoder extends TfStage<{
  fusedDim: number;
  units: number;
  chunk: number;
  actionDim: number;
}> {
  readonly kind = 'ActionDecoder' as const;
  protected createVariables(f: VariableFactory): void {
    const { fusedDim: d, units: u, actionDim: a } = this.config;
    f.add('gru/kernel', [d, 3 * u], init.glorot); // gate blocks z, r, h
    f.add('gru/recurrent', [u, 3 * u], init.glorot);
    f.add('gru/bias', [3 * u], init.normal(0.1));
    f.add('head/kernel', [u, a], init.glorot);
    f.add('head/bias', [a], init.normal(0.1));
    f.add('done/kernel', [u, 1], init.glorot);
    f.add('done/bias', [1], init.zeros);
  }
  protected compute(inputs: Readonly<TensorMap>): TensorMap {
    const { units: u, chunk } = this.config;
    const x = inputs['fused']!; // (B, D)
    const gx = tf.matMul(x, this.v('gru/kernel')).add(this.v('gru/bias')); // (B, 3U)
    const [xz, xr, xh] = tf.split(gx, 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor]; // (B, U) each
    const [rz, rr, rh] = tf.split(this.v('gru/recurrent'), 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor]; // (U, U)
    let h = tf.zerosLike(xz); // (B, U)
    const steps: tf.Tensor[] = [];
    for (let t = 0; t < chunk; t++) {
      const z = tf.sigmoid(xz.add(tf.matMul(h, rz))); // (B, U)
      const r = tf.sigmoid(xr.add(tf.matMul(h, rr))); // (B, U)
      const hh = tf.tanh(xh.add(tf.matMul(r.mul(h), rh))); // (B, U)
      h = tf.sub(1, z).mul(hh).add(z.mul(h)); // (B, U)
      steps.push(h);
    }
    const seq = tf.stack(steps, 1); // (B, T, U)
    const actions = tf.matMul(seq, this.v('head/kernel')).add(this.v('head/bias')); // (B, T, A)
    void u;
    return { actions, done: tf.matMul(h, this.v('done/kernel')).add(this.v('done/bias')) }; // (B, T, A), (B, 1)
  }
}

/** The same decoder, mapped to the ONNX GRU op (linear_before_reset = 0, gates z, r, h). */
export class TestGruDecoderOnnx extends TestGruDecoder {
  exportOnnx(ctx: StageOnnxContext): Record<string, string> {
    const { builder: g } = ctx;
    const { units: u, chunk } = this.config;
    const axes0 = g.int64s([0], 'axes');
    const x = g.node('Unsqueeze', [ctx.inputs['fused']!, axes0], 1)[0]!; // (1, B, D)
    const seq = g.node('Tile', [x, g.int64s([chunk, 1, 1], 'repeats')], 1)[0]!; // (T, B, D)
    const w = g.node(
      'Unsqueeze',
      [g.node('Transpose', [ctx.variable('gru/kernel')], 1, { perm: [1, 0] })[0]!, axes0],
      1,
    )[0]!; // (1, 3U, D)
    const r = g.node(
      'Unsqueeze',
      [g.node('Transpose', [ctx.variable('gru/recurrent')], 1, { perm: [1, 0] })[0]!, axes0],
      1,
    )[0]!; // (1, 3U, U)
    const zeros = g.constant({ dtype: 'float32', shape: [3 * u], data: new Float32Array(3 * u) }, 'gru_rb');
    const bias = g.node(
      'Unsqueeze',
      [g.node('Concat', [ctx.variable('gru/bias'), zeros], 1, { axis: 0 })[0]!, axes0],
      1,
    )[0]!; // (1, 6U)
    const [y, yh] = g.node('GRU', [seq, w, r, bias], 2, { hidden_size: u, linear_before_reset: 0 }); // (T, 1, B, U), (1, B, U)
    const ySeq = g.node('Transpose', [g.node('Squeeze', [y!, g.int64s([1], 'axes')], 1)[0]!], 1, {
      perm: [1, 0, 2],
    })[0]!; // (B, T, U)
    const head = g.node('MatMul', [ySeq, ctx.variable('head/kernel')], 1)[0]!; // (B, T, A)
    const actions = g.node('Add', [head, ctx.variable('head/bias')], [ctx.outputName('actions')])[0]!;
    const last = g.node('Squeeze', [yh!, axes0], 1)[0]!; // (B, U)
    const d = g.node('MatMul', [last, ctx.variable('done/kernel')], 1)[0]!; // (B, 1)
    const done = g.node('Add', [d, ctx.variable('done/bias')], [ctx.outputName('done')])[0]!;
    return { actions, done };
  }
}

const gruPlugin = (id: string, Cls: typeof TestGruDecoder) => {
  @injectable()
  class Plugin implements StagePluginV1 {
    readonly manifest = manifest(id, 'ActionDecoder');
    constructor(@inject(CoreTokens.Logger) readonly logger: Logger) {}
    create(_options: unknown, ctx: StageCreateContext): TestGruDecoder {
      const last = ctx.upstream['fused']?.shape.at(-1);
      const config = { fusedDim: typeof last === 'number' ? last : 8, units: 6, chunk: 4, actionDim: 2 };
      return new Cls({
        pluginId: id,
        name: ctx.name,
        config,
        seed: ctx.seed,
        inputs: [port('fused', ['B', config.fusedDim])],
        outputs: [port('actions', ['B', config.chunk, config.actionDim]), port('done', ['B', 1])],
      });
    }
  }
  return Plugin;
};

export const extraStagesModule = new ContainerModule(({ bind }) => {
  bind(StageTokens.VisionEncoder).to(TinyVitPlugin).inSingletonScope();
  bind(StageTokens.ActionDecoder).to(gruPlugin('test-gru', TestGruDecoder)).inSingletonScope();
  bind(StageTokens.ActionDecoder).to(gruPlugin('test-gru-onnx', TestGruDecoderOnnx)).inSingletonScope();
});
