import { createRequire } from 'node:module';
import type { PluginManifest } from '@vlakit/core';
import { stateMlpConfigSchema } from './state-mlp-config.js';

// the package's own package.json: one level above both src/ and dist/
const pkg = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

/** What `vla plugins` and the plugin loader see of this package. */
export const manifest: PluginManifest = {
  id: 'state-mlp',
  kind: 'StateEncoder',
  packageName: pkg.name,
  version: pkg.version,
  description: 'state (B, S) -> one token (B, 1, D) through a small MLP',
  configSchema: stateMlpConfigSchema,
  specificationVersion: 'v1',
};
