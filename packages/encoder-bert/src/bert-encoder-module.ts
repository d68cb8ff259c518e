import { StageTokens } from '@vlakit/core';
import { ContainerModule } from 'inversify';
import { BertEncoderPlugin } from './bert-encoder-plugin.js';

/** Binds the `bert` plugin under the LanguageEncoder token. */
export const containerModule = new ContainerModule(({ bind }) => {
  bind(StageTokens.LanguageEncoder).to(BertEncoderPlugin).inSingletonScope();
});
