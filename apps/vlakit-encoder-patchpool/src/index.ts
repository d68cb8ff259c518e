import { StageTokens } from '@vlakit/core';
import { ContainerModule } from 'inversify';
import { PatchPoolPlugin } from './patchpool-plugin.js';

export { type PatchPoolConfig, patchPoolConfigSchema } from './patchpool-config.js';
export { PatchPoolEncoder } from './patchpool-encoder.js';
export { manifest, PatchPoolPlugin } from './patchpool-plugin.js';

/** Binds the plugin under the VisionEncoder token: installing this package is all it takes. */
export const containerModule = new ContainerModule(({ bind }) => {
  bind(StageTokens.VisionEncoder).to(PatchPoolPlugin).inSingletonScope();
});
