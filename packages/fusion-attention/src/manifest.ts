import { createRequire } from 'node:module';
import type { PluginManifest } from '@vlakit/core';
import { crossAttentionConfigSchema } from './cross-attention-config.js';

// the package's own package.json: one level above both src/ and dist/
const pkg = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

/** What `vla plugins` and the plugin loader see of this package. */
export const manifest: PluginManifest = {
  id: 'cross-attention',
  kind: 'Fusion',
  packageName: pkg.name,
  version: pkg.version,
  description:
    'multi-head cross-attention between language and vision tokens (+ state), attention maps inspectable',
  configSchema: crossAttentionConfigSchema,
  specificationVersion: 'v1',
};
