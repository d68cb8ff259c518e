import {
  CoreTokens,
  type Logger,
  type PluginManifest,
  parseConfig,
  type StageCreateContext,
  type StagePluginV1,
} from '@vlakit/core';
import { inject, injectable } from 'inversify';
import { patchPoolConfigSchema } from './patchpool-config.js';
import { PatchPoolEncoder } from './patchpool-encoder.js';

export const manifest: PluginManifest = {
  id: 'patchpool',
  kind: 'VisionEncoder',
  packageName: 'vlakit-encoder-patchpool',
  version: '0.1.0',
  description: 'average-pooled image cells + linear projection (a third-party example encoder)',
  configSchema: patchPoolConfigSchema,
  specificationVersion: 'v1',
};

@injectable()
export class PatchPoolPlugin implements StagePluginV1 {
  readonly manifest = manifest;
  constructor(@inject(CoreTokens.Logger) private readonly logger: Logger) {}

  create(options: unknown, context: StageCreateContext): PatchPoolEncoder {
    const config = parseConfig(patchPoolConfigSchema, options, `stage '${context.name}' (patchpool) options`);
    this.logger.debug(
      `patchpool '${context.name}': ${(config.imageSize / config.cellSize) ** 2} tokens of width ${config.dim}`,
    );
    return new PatchPoolEncoder(config, context);
  }
}
