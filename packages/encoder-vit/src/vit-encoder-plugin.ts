import { createRequire } from 'node:module';
import {
  CoreTokens,
  type Logger,
  type PluginManifest,
  port,
  type StageCreateContext,
  type StagePluginV1,
} from '@vlakit/core';
import { inject, injectable } from 'inversify';
import { hfVitArchitecture } from './hf-vit-checkpoint.js';
import { VitEncoder } from './vit-encoder.js';
import { gridSide, resolveVitConfig, vitEncoderSchema } from './vit-encoder-config.js';

export const VIT_PLUGIN_ID = 'vit';
/** This package's version, read from its package.json (so changesets bumps reach the manifest). */
export const VIT_PACKAGE_VERSION: string = (
  createRequire(import.meta.url)('../package.json') as { version: string }
).version;

export const vitManifest: PluginManifest = {
  id: VIT_PLUGIN_ID,
  kind: 'VisionEncoder',
  packageName: '@vlakit/encoder-vit',
  version: VIT_PACKAGE_VERSION,
  description:
    'ViT image encoder (patch matmul, class token, pre-LN blocks); loads Hugging Face ViT checkpoints',
  configSchema: vitEncoderSchema,
  specificationVersion: 'v1',
};

/** Creates `vit` stages: image (B, S, S, 3) -> tokens (B, N+1, D), pooled (B, D). */
@injectable()
export class VitEncoderPlugin implements StagePluginV1 {
  readonly manifest = vitManifest;
  constructor(@inject(CoreTokens.Logger) readonly logger: Logger) {}

  create(options: unknown, ctx: StageCreateContext): VitEncoder {
    const c = resolveVitConfig(options, `stage '${ctx.name}' (vit) options`, hfVitArchitecture);
    const t = (c.patchTokens ? gridSide(c) ** 2 : 0) + 1 + c.keypoints;
    return new VitEncoder({
      pluginId: VIT_PLUGIN_ID,
      name: ctx.name,
      config: c,
      seed: ctx.seed,
      inputs: [
        port('image', ['B', c.imageSize, c.imageSize, c.channels], 'float32', {
          description:
            c.channels === 3 ? 'RGB in [0, 1]' : `${c.channels / 3} RGB frames stacked per pixel, in [0, 1]`,
        }),
      ],
      outputs: [
        port('tokens', ['B', t, c.dim], 'float32', {
          description: `class token${c.patchTokens ? ' + patch tokens' : ''}${c.keypoints > 0 ? ` + ${c.keypoints} keypoint tokens` : ''}`,
        }),
        port('pooled', ['B', c.dim], 'float32', { description: 'the class token' }),
        port('attention', ['B', c.heads, t, t], 'float32', {
          inspection: true,
          optional: true,
          description: "last block's attention probabilities",
        }),
        ...(c.keypoints > 0
          ? [
              port('keypoints', ['B', c.keypoints, 2], 'float32', {
                inspection: true,
                optional: true,
                description: 'keypoint positions (u along columns, v along rows) in [-1, 1]',
              }),
              port(
                'keypointLogits',
                ['B', c.keypoints, c.imageSize / c.keypointStride, c.imageSize / c.keypointStride],
                'float32',
                {
                  inspection: true,
                  optional: true,
                  description: 'per-cell keypoint scores before the spatial softmax',
                },
              ),
            ]
          : []),
      ],
    });
  }
}
