import { createRequire } from 'node:module';
import type { PluginManifest } from '@vlakit/core';
import { concatFusionConfigSchema } from './concat-fusion-config.js';

// the package's own package.json: one level above both src/ and dist/
const pkg = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

/** What `vla plugins` and the plugin loader see of this package. */
export const manifest: PluginManifest = {
  id: 'concat',
  kind: 'Fusion',
  packageName: pkg.name,
  version: pkg.version,
  description: 'pooled vision + pooled language (+ state), concatenated and projected to fused (B, D)',
  configSchema: concatFusionConfigSchema,
  specificationVersion: 'v1',
};
