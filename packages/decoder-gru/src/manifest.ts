import { createRequire } from 'node:module';
import type { PluginManifest } from '@vlakit/core';
import { gruDecoderConfigSchema } from './gru-decoder-config.js';

// the package's own package.json: one level above both src/ and dist/
const pkg = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

/** What `vla plugins` and the plugin loader see of this package. */
export const manifest: PluginManifest = {
  id: 'gru',
  kind: 'ActionDecoder',
  packageName: pkg.name,
  version: pkg.version,
  description: 'GRU action decoder: an action chunk (B, T, A) and a task-completion logit from fused (B, D)',
  configSchema: gruDecoderConfigSchema,
  specificationVersion: 'v1',
};
