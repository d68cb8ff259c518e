import { StageTokens } from '@vlakit/core';
import { ContainerModule } from 'inversify';
import { MlpDecoderPlugin } from './mlp-decoder-plugin.js';

export { manifest } from './manifest.js';
export { MlpDecoder, mlpDecoderPorts } from './mlp-decoder.js';
export {
  type MlpDecoderConfig,
  type MlpDecoderOptions,
  mlpDecoderConfigSchema,
  resolveMlpDecoderConfig,
} from './mlp-decoder-config.js';
export { MlpDecoderPlugin } from './mlp-decoder-plugin.js';

/** Binds the `mlp` plugin under the ActionDecoder token (a singleton). */
export const containerModule = new ContainerModule(({ bind }) => {
  bind(StageTokens.ActionDecoder).to(MlpDecoderPlugin).inSingletonScope();
});
