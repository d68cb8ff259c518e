import { StageTokens } from '@vlakit/core';
import { ContainerModule } from 'inversify';
import { VitEncoderPlugin } from './vit-encoder-plugin.js';

/** Binds the `vit` plugin under the VisionEncoder token. */
export const containerModule = new ContainerModule(({ bind }) => {
  bind(StageTokens.VisionEncoder).to(VitEncoderPlugin).inSingletonScope();
});
