import { StageTokens } from '@vlakit/core';
import { ContainerModule } from 'inversify';
import { ConcatFusionPlugin } from './concat-fusion-plugin.js';

export { ConcatFusion, concatFusionPorts } from './concat-fusion.js';
export {
  type ConcatFusionConfig,
  type ConcatFusionOptions,
  concatFusionConfigSchema,
  resolveConcatFusionConfig,
} from './concat-fusion-config.js';
export { ConcatFusionPlugin } from './concat-fusion-plugin.js';
export { manifest } from './manifest.js';

/** Binds the `concat` plugin under the Fusion token (a singleton). */
export const containerModule = new ContainerModule(({ bind }) => {
  bind(StageTokens.Fusion).to(ConcatFusionPlugin).inSingletonScope();
});
