import { CoreTokens, type Logger, type StageCreateContext, type StagePluginV1 } from '@vlakit/core';
import { inject, injectable } from 'inversify';
import { CrossAttentionFusion } from './cross-attention.js';
import { resolveCrossAttentionConfig } from './cross-attention-config.js';
import { manifest } from './manifest.js';

/** The `cross-attention` fusion plugin, bound under `StageTokens.Fusion`. */
@injectable()
export class CrossAttentionPlugin implements StagePluginV1 {
  readonly manifest = manifest;

  constructor(@inject(CoreTokens.Logger) private readonly logger: Logger) {}

  create(options: unknown, context: StageCreateContext): CrossAttentionFusion {
    const config = resolveCrossAttentionConfig(options, context);
    this.logger.debug(
      `cross-attention '${context.name}': ${config.query} queries, dim ${config.dim}, ${config.heads} heads, vision ${config.visionDim}, language ${config.languageDim}${config.stateDim ? `, state ${config.stateDim}` : ''}`,
    );
    return new CrossAttentionFusion(config, context);
  }
}
