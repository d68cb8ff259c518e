import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A project whose node_modules holds a plugin package serving core's test stages. */
export function projectWithTestStages(): string {
  const require = createRequire(import.meta.url);
  const root = mkdtempSync(join(tmpdir(), 'vla-train-'));
  const dir = join(root, 'node_modules', 'vlakit-test-stages');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'vlakit-test-stages',
      version: '0.0.1',
      type: 'module',
      main: 'index.js',
      keywords: ['vlakit-plugin'],
    }),
  );
  // the built testing entry of core (its main entry is src/index.ts or dist/index.js)
  const core = join(dirname(dirname(require.resolve('@vlakit/core'))), 'dist', 'testing', 'index.js');
  const kinds = {
    'test-vision': 'VisionEncoder',
    'test-language': 'LanguageEncoder',
    'test-state': 'StateEncoder',
    'test-fusion': 'Fusion',
    'test-decoder': 'ActionDecoder',
  };
  writeFileSync(
    join(dir, 'index.js'),
    `export { testStagesModule as containerModule } from '${pathToFileURL(core).href}';
export const manifest = ${JSON.stringify(Object.entries(kinds).map(([id, kind]) => ({ id, kind, packageName: 'vlakit-test-stages', version: '0.0.1', description: id, configSchema: {}, specificationVersion: 'v1' })))};
`,
  );
  writeFileSync(
    join(root, 'tiny.yaml'),
    `name: tiny
seed: 1
pipeline:
  stages:
    vision: { plugin: test-vision }
    language: { plugin: test-language }
    fusion: { plugin: test-fusion }
    decoder: { plugin: test-decoder }
data: { source: synthetic, imageSize: 8, chunkLength: 2 }
training: { steps: 4, batchSize: 4, checkpointEvery: 2, validateEvery: 2, validationBatches: 1 }
eval: { atEnd: false }
`,
  );
  return root;
}
