import { StageTokens } from '@vlakit/core';
import { ContainerModule } from 'inversify';
import { StateMlpPlugin } from './state-mlp-plugin.js';

export { manifest } from './manifest.js';
export { StateMlpEncoder, stateMlpPorts } from './state-mlp.js';
export {
  resolveStateMlpConfig,
  type StateMlpConfig,
  type StateMlpOptions,
  stateMlpConfigSchema,
} from './state-mlp-config.js';
export { StateMlpPlugin } from './state-mlp-plugin.js';

/** Binds the `state-mlp` plugin under the StateEncoder token (a singleton). */
export const containerModule = new ContainerModule(({ bind }) => {
  bind(StageTokens.StateEncoder).to(StateMlpPlugin).inSingletonScope();
});
