import { CoreTokens, type Logger, type StageCreateContext, type StagePluginV1 } from '@vlakit/core';
import { inject, injectable } from 'inversify';
import { manifest } from './manifest.js';
import { StateMlpEncoder } from './state-mlp.js';
import { resolveStateMlpConfig } from './state-mlp-config.js';

/** The `state-mlp` state-encoder plugin, bound under `StageTokens.StateEncoder`. */
@injectable()
export class StateMlpPlugin implements StagePluginV1 {
  readonly manifest = manifest;

  constructor(@inject(CoreTokens.Logger) private readonly logger: Logger) {}

  create(options: unknown, context: StageCreateContext): StateMlpEncoder {
    const config = resolveStateMlpConfig(options, context);
    this.logger.debug(
      `state-mlp '${context.name}': state ${config.stateDim} -> [${config.hidden.join(', ')}] -> token ${config.dim}`,
    );
    return new StateMlpEncoder(config, context);
  }
}
