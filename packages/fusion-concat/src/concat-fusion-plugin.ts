import { CoreTokens, type Logger, type StageCreateContext, type StagePluginV1 } from '@vlakit/core';
import { inject, injectable } from 'inversify';
import { ConcatFusion } from './concat-fusion.js';
import { resolveConcatFusionConfig } from './concat-fusion-config.js';
import { manifest } from './manifest.js';

/** The `concat` fusion plugin, bound under `StageTokens.Fusion`. */
@injectable()
export class ConcatFusionPlugin implements StagePluginV1 {
  readonly manifest = manifest;

  constructor(@inject(CoreTokens.Logger) private readonly logger: Logger) {}

  create(options: unknown, context: StageCreateContext): ConcatFusion {
    const config = resolveConcatFusionConfig(options, context);
    this.logger.debug(
      `concat '${context.name}': vision ${config.visionDim}${config.languageDim ? ` + language ${config.languageDim}` : ''}${config.stateDim ? ` + state ${config.stateDim}` : ''} -> ${config.dim}`,
    );
    return new ConcatFusion(config, context);
  }
}
