import { StageTokens } from '@vlakit/core';
import { ContainerModule } from 'inversify';
import { CrossAttentionPlugin } from './cross-attention-plugin.js';

export { CrossAttentionFusion, crossAttentionPorts } from './cross-attention.js';
export {
  type CrossAttentionConfig,
  type CrossAttentionOptions,
  crossAttentionConfigSchema,
  resolveCrossAttentionConfig,
} from './cross-attention-config.js';
export { CrossAttentionPlugin } from './cross-attention-plugin.js';
export { manifest } from './manifest.js';

/** Binds the `cross-attention` plugin under the Fusion token (a singleton). */
export const containerModule = new ContainerModule(({ bind }) => {
  bind(StageTokens.Fusion).to(CrossAttentionPlugin).inSingletonScope();
});
