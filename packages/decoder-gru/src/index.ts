import { StageTokens } from '@vlakit/core';
import { ContainerModule } from 'inversify';
import { GruDecoderPlugin } from './gru-decoder-plugin.js';

export {
  GATES,
  type Gate,
  type GruRecurrentWeights,
  gruSequence,
  gruSequenceComposed,
  gruStep,
  type PerGate,
} from './gru-cell.js';
export { GruDecoder, gruDecoderPorts } from './gru-decoder.js';
export {
  type GruDecoderConfig,
  type GruDecoderOptions,
  gruDecoderConfigSchema,
  gruStepWidth,
  resolveGruDecoderConfig,
} from './gru-decoder-config.js';
export { GruDecoderPlugin } from './gru-decoder-plugin.js';
export { canFuseGruSequence, gruSequenceFused } from './gru-sequence-fused.js';
export { manifest } from './manifest.js';

/** Binds the `gru` plugin under the ActionDecoder token (a singleton). */
export const containerModule = new ContainerModule(({ bind }) => {
  bind(StageTokens.ActionDecoder).to(GruDecoderPlugin).inSingletonScope();
});
