import * as tf from '@tensorflow/tfjs';
import {
  type AttentionWeights,
  dense,
  type ForwardOptions,
  geluErf,
  init,
  type LayerNormWeights,
  layerNorm,
  multiHeadAttention,
  type PretrainedLoadReport,
  type TensorMap,
  TfStage,
  type VariableFactory,
  type VisionEncoderV1,
  VlakitError,
} from '@vlakit/core';
import { loadHfVitCheckpoint } from './hf-vit-checkpoint.js';
import { type KeypointWeights, keypointFeatureWidth, keypointReadout } from './keypoint-readout.js';
import { patchify } from './patch-embedding.js';
import { gridSide, type VitEncoderConfig } from './vit-encoder-config.js';

/*
 * ViT (Dosovitskiy et al. 2021), Hugging Face ViTModel layout:
 *
 *   image (B,H,W,C) in [0,1] (C = 3 x frames) -> (x - mean) / std -> patches (B,N,P*P*C) -> matmul -> (B,N,D)
 *   -> [cls ; patches] + position (B,N+1,D) [; K keypoint tokens (B,K,D) when keypoints > 0]
 *   -> depth x pre-LN block: x + MHA(LN(x)); x + MLP(LN(x)), MLP = fc1 -> GELU(erf) -> fc2
 *   -> LN -> tokens (B,N+1(+K),D); pooled = tokens[:, 0] (the class token)
 *
 * With `keypoints` K > 0 the readout of keypoint-readout.ts adds K tokens before the blocks
 * (with `patchTokens: false` they replace the patches: tokens (B,1+K,D), no patch embedding) and
 * the inspection outputs `keypoints` (B,K,2) and `keypointLogits` (B,K,H/s,W/s), s = keypointStride.
 */
export class VitEncoder extends TfStage<VitEncoderConfig> implements VisionEncoderV1 {
  readonly kind = 'VisionEncoder' as const;

  protected createVariables(f: VariableFactory): void {
    const { patchSize: p, dim, depth, mlpDim, qkvBias, initStd } = this.config;
    const n = gridSide(this.config) ** 2;
    const w = init.truncatedNormal(initStd);
    if (this.config.patchTokens) {
      f.add('patch/kernel', [p * p * this.config.channels, dim], w);
      f.add('patch/bias', [dim], init.zeros);
    }
    f.add('cls', [1, 1, dim], w);
    if (this.config.patchTokens) f.add('position', [1, n + 1, dim], w);
    for (let i = 0; i < depth; i++) {
      const b = `block${i}`;
      f.add(`${b}/ln1/gamma`, [dim], init.ones);
      f.add(`${b}/ln1/beta`, [dim], init.zeros);
      for (const proj of ['query', 'key', 'value', 'output']) {
        f.add(`${b}/attn/${proj}/kernel`, [dim, dim], w);
        if (qkvBias || proj === 'output') f.add(`${b}/attn/${proj}/bias`, [dim], init.zeros);
      }
      f.add(`${b}/ln2/gamma`, [dim], init.ones);
      f.add(`${b}/ln2/beta`, [dim], init.zeros);
      f.add(`${b}/mlp/fc1/kernel`, [dim, mlpDim], w);
      f.add(`${b}/mlp/fc1/bias`, [mlpDim], init.zeros);
      f.add(`${b}/mlp/fc2/kernel`, [mlpDim, dim], w);
      f.add(`${b}/mlp/fc2/bias`, [dim], init.zeros);
    }
    f.add('ln/gamma', [dim], init.ones);
    f.add('ln/beta', [dim], init.zeros);
    const { keypoints: k, keypointHidden: hk, keypointFrequencies: freq, keypointStride: ks } = this.config;
    if (k > 0) {
      // He-scaled colour features so the score maps start diverse; near-zero scores so every
      // keypoint starts as a uniform distribution over the pixels (at the image centre)
      const cin = ks * ks * this.config.channels;
      f.add('keypoint/pixel1/kernel', [cin, hk], init.truncatedNormal(Math.sqrt(2 / cin)));
      f.add('keypoint/pixel1/bias', [hk], init.zeros);
      f.add('keypoint/pixel2/kernel', [hk, k], w);
      f.add('keypoint/pixel2/bias', [k], init.zeros);
      f.add('keypoint/embed/kernel', [keypointFeatureWidth(freq), dim], w);
      f.add('keypoint/embed/bias', [dim], init.zeros);
      f.add('keypoint/identity', [1, k, dim], w);
    }
  }

  private keypointWeights(): KeypointWeights {
    const d = (name: string) => ({
      kernel: this.v(`keypoint/${name}/kernel`),
      bias: this.v(`keypoint/${name}/bias`),
    });
    return {
      pixel1: d('pixel1'),
      pixel2: d('pixel2'),
      embed: d('embed'),
      identity: this.v('keypoint/identity'),
    };
  }

  private ln(prefix: string): LayerNormWeights {
    return { gamma: this.v(`${prefix}/gamma`), beta: this.v(`${prefix}/beta`) };
  }

  private attention(block: string): AttentionWeights {
    const proj = (name: string) => {
      const bias = this.variables().get(`${block}/attn/${name}/bias`);
      return { kernel: this.v(`${block}/attn/${name}/kernel`), ...(bias ? { bias } : {}) };
    };
    return { query: proj('query'), key: proj('key'), value: proj('value'), output: proj('output') };
  }

  protected compute(inputs: Readonly<TensorMap>, options: ForwardOptions): TensorMap {
    const { patchSize, dim, depth, heads, layerNormEps: eps, imageMean, imageStd } = this.config;
    const image = inputs['image']!; // (B, H, W, C)
    const b = image.shape[0]!;
    const frames = this.config.channels / 3;
    const mean = Array.from({ length: frames }, () => imageMean).flat(); // (C)
    const std = Array.from({ length: frames }, () => imageStd).flat(); // (C)
    const normed = tf.div(tf.sub(image, tf.tensor1d(mean)), tf.tensor1d(std)); // (B, H, W, C)
    const keypoints =
      this.config.keypoints > 0
        ? keypointReadout(
            normed,
            this.keypointWeights(),
            this.config.keypointFrequencies,
            this.config.keypointStride,
          )
        : undefined;
    // the class token in front of the patches and/or keypoints without tiling it over the batch:
    // the tokens padded with a zero token at the front, plus [cls; 0] (same values; Tile's
    // gradient is one Slice and Add per batch row, and its attribute would carry the batch size)
    const withClass = (tokens: tf.Tensor, position?: tf.Tensor): tf.Tensor => {
      const n = tokens.shape[1]!;
      const clsRow = tf.concat([this.v('cls'), tf.zeros([1, n, dim])], 1); // (1, n+1, D)
      const padded = tf.pad(tokens, [
        [0, 0],
        [1, 0],
        [0, 0],
      ]); // (B, n+1, D)
      return tf.add(padded, position ? tf.add(clsRow, position) : clsRow); // (B, n+1, D)
    };
    let x: tf.Tensor;
    if (this.config.patchTokens) {
      const patches = patchify(normed, patchSize); // (B, N, P*P*3)
      const embedded = dense(patches, { kernel: this.v('patch/kernel'), bias: this.v('patch/bias') }); // (B, N, D)
      x = withClass(embedded, this.v('position')); // (B, N+1, D)
      if (keypoints) x = tf.concat([x, keypoints.tokens], 1); // (B, N+1+K, D)
    } else {
      x = withClass(keypoints!.tokens); // (B, 1+K, D)
    }
    let probabilities: tf.Tensor | undefined;
    for (let i = 0; i < depth; i++) {
      const blk = `block${i}`;
      const a = layerNorm(x, this.ln(`${blk}/ln1`), eps); // (B, N+1, D)
      const attn = multiHeadAttention(a, a, this.attention(blk), heads); // output (B, N+1, D)
      x = tf.add(x, attn.output); // (B, N+1, D)
      probabilities = attn.probabilities; // (B, H, N+1, N+1)
      const h = layerNorm(x, this.ln(`${blk}/ln2`), eps); // (B, N+1, D)
      const hidden = geluErf(
        dense(h, { kernel: this.v(`${blk}/mlp/fc1/kernel`), bias: this.v(`${blk}/mlp/fc1/bias`) }),
      ); // (B, N+1, M)
      x = tf.add(
        x,
        dense(hidden, { kernel: this.v(`${blk}/mlp/fc2/kernel`), bias: this.v(`${blk}/mlp/fc2/bias`) }),
      ); // (B, N+1, D)
    }
    const tokens = layerNorm(x, this.ln('ln'), eps); // (B, N+1, D)
    const pooled = tokens.slice([0, 0, 0], [b, 1, dim]).reshape([b, dim]); // (B, D)
    const out: TensorMap = { tokens, pooled };
    if (options.inspect && probabilities) out['attention'] = probabilities; // (B, H, T, T)
    if (options.inspect && keypoints) {
      out['keypoints'] = keypoints.positions; // (B, K, 2)
      out['keypointLogits'] = keypoints.logits; // (B, K, H, W)
    }
    return out;
  }

  /**
   * Loads a Hugging Face ViT checkpoint folder (config.json + model.safetensors); see
   * hf-vit-checkpoint.ts for the key mapping and the position-embedding interpolation.
   */
  async loadPretrained(dir: string): Promise<PretrainedLoadReport> {
    if (!this.config.patchTokens) {
      throw new VlakitError(
        'config',
        `stage '${this.name}' (vit) has patchTokens: false, so it has no patch embedding or position weights to load from ${dir}`,
      );
    }
    this.build();
    const { values, report } = loadHfVitCheckpoint(dir, this.config);
    for (const [name, data] of values) {
      const v = this.v(name);
      tf.tidy(() => v.assign(tf.tensor(data, v.shape, 'float32'))); // (the variable's shape)
    }
    return report;
  }
}
