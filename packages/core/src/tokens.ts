import type { ServiceIdentifier } from 'inversify';
import type { Logger } from './logger.js';
import type { StagePluginV1 } from './plugin.js';
import type { StageKind } from './stage.js';

/**
 * DI tokens. `Symbol.for` keys, so two installed copies of core still agree on them.
 * A plugin package binds its plugin class (multi-binding) to the token of its kind.
 */
export const StageTokens: Record<StageKind, ServiceIdentifier<StagePluginV1>> = {
  VisionEncoder: Symbol.for('@vlakit/core/VisionEncoder'),
  LanguageEncoder: Symbol.for('@vlakit/core/LanguageEncoder'),
  StateEncoder: Symbol.for('@vlakit/core/StateEncoder'),
  Fusion: Symbol.for('@vlakit/core/Fusion'),
  ActionDecoder: Symbol.for('@vlakit/core/ActionDecoder'),
};

export const CoreTokens = {
  Logger: Symbol.for('@vlakit/core/Logger') as ServiceIdentifier<Logger>,
};
