import { CoreTokens, type Logger, type StageCreateContext, type StagePluginV1 } from '@vlakit/core';
import { inject, injectable } from 'inversify';
import { GruDecoder } from './gru-decoder.js';
import { resolveGruDecoderConfig } from './gru-decoder-config.js';
import { manifest } from './manifest.js';

/** The `gru` action-decoder plugin, bound under `StageTokens.ActionDecoder`. */
@injectable()
export class GruDecoderPlugin implements StagePluginV1 {
  readonly manifest = manifest;

  constructor(@inject(CoreTokens.Logger) private readonly logger: Logger) {}

  create(options: unknown, context: StageCreateContext): GruDecoder {
    const config = resolveGruDecoderConfig(options, context);
    this.logger.debug(
      `gru '${context.name}': fused ${config.fusedDim} -> ${config.hidden} units, ${config.chunk} x ${config.actionDim} actions, step input ${config.stepInput}`,
    );
    return new GruDecoder(config, context);
  }
}
