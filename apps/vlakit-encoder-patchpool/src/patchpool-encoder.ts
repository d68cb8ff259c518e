import * as tf from '@tensorflow/tfjs';
import {
  init,
  port,
  type TensorMap,
  TfStage,
  type VariableFactory,
  type VisionEncoderV1,
} from '@vlakit/core';
import type { PatchPoolConfig } from './patchpool-config.js';

/*
 * image (B, H, W, 3) --cells of c x c pixels, each averaged down to p x p--> (B, N, p*p*3)
 *   --linear + position embedding + tanh--> tokens (B, N, D);  pooled = mean over tokens (B, D)
 * Written only with tfjs ops: vlakit's ONNX exporter traces it with no code of its own.
 */
export class PatchPoolEncoder extends TfStage<PatchPoolConfig> implements VisionEncoderV1 {
  readonly kind = 'VisionEncoder' as const;

  constructor(config: PatchPoolConfig, context: { name: string; seed: number }) {
    const n = (config.imageSize / config.cellSize) ** 2;
    super({
      pluginId: 'patchpool',
      name: context.name,
      config,
      seed: context.seed,
      inputs: [port('image', ['B', config.imageSize, config.imageSize, 3])],
      outputs: [port('tokens', ['B', n, config.dim]), port('pooled', ['B', config.dim])],
    });
  }

  protected createVariables(f: VariableFactory): void {
    const { imageSize, cellSize, pooledSize, dim } = this.config;
    const n = (imageSize / cellSize) ** 2;
    f.add('projection/kernel', [pooledSize * pooledSize * 3, dim], init.glorot);
    f.add('projection/bias', [dim], init.zeros);
    f.add('position', [n, dim], init.normal(0.02));
  }

  protected compute(inputs: Readonly<TensorMap>): TensorMap {
    const { imageSize: s, cellSize: c, pooledSize: p, dim } = this.config;
    const g = s / c; // cells per side
    const k = c / p; // pixels averaged per pooled pixel side
    const image = inputs['image']!; // (B, H, W, 3)
    const sub = tf.reshape(image, [-1, g, p, k, g, p, k, 3]); // (B, gy, py, ky, gx, px, kx, 3)
    const pooled = tf.mean(sub, [3, 6]); // (B, gy, py, gx, px, 3)
    const cells = tf.reshape(tf.transpose(pooled, [0, 1, 3, 2, 4, 5]), [-1, g * g, p * p * 3]); // (B, N, p*p*3)
    const flat = tf.reshape(cells, [-1, p * p * 3]); // (B*N, p*p*3)
    const projected = tf.add(tf.matMul(flat, this.v('projection/kernel')), this.v('projection/bias')); // (B*N, D)
    const tokens = tf.tanh(tf.add(tf.reshape(projected, [-1, g * g, dim]), this.v('position'))); // (B, N, D)
    return { tokens, pooled: tf.mean(tokens, 1) }; // (B, N, D), (B, D)
  }
}
