import { CoreTokens, type Logger, type StageCreateContext, type StagePluginV1 } from '@vlakit/core';
import { inject, injectable } from 'inversify';
import { manifest } from './manifest.js';
import { MlpDecoder } from './mlp-decoder.js';
import { resolveMlpDecoderConfig } from './mlp-decoder-config.js';

/** The `mlp` action-decoder plugin, bound under `StageTokens.ActionDecoder`. */
@injectable()
export class MlpDecoderPlugin implements StagePluginV1 {
  readonly manifest = manifest;

  constructor(@inject(CoreTokens.Logger) private readonly logger: Logger) {}

  create(options: unknown, context: StageCreateContext): MlpDecoder {
    const config = resolveMlpDecoderConfig(options, context);
    this.logger.debug(
      `mlp '${context.name}': fused ${config.fusedDim} -> [${config.hidden.join(', ')}] -> ${config.chunk} x ${config.actionDim} actions`,
    );
    return new MlpDecoder(config, context);
  }
}
