import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  buildPipeline,
  discoverPluginPackages,
  loadStageRegistry,
  memoryLogger,
  StageRegistry,
  VlakitError,
} from './index.js';
import { testStagesModule } from './testing/index.js';

const require = createRequire(import.meta.url);
const url = (name: string) => pathToFileURL(require.resolve(name)).href;

/**
 * A third-party plugin package, written as a user would publish it, but without importing
 * @vlakit/core at run time: the Symbol.for tokens are all it needs to be found.
 */
function writeFakeProject(): string {
  const root = mkdtempSync(join(tmpdir(), 'vlakit-plugins-'));
  const pkgDir = join(root, 'node_modules', 'vlakit-encoder-mean');
  mkdirSync(pkgDir, { recursive: true });
  writeFileSync(
    join(pkgDir, 'package.json'),
    JSON.stringify({
      name: 'vlakit-encoder-mean',
      version: '1.2.3',
      type: 'module',
      main: 'index.js',
      keywords: ['vlakit-plugin'],
    }),
  );
  writeFileSync(
    join(pkgDir, 'index.js'),
    `import { ContainerModule } from '${url('inversify')}';
import * as tf from '${url('@tensorflow/tfjs')}';
export const manifest = { id: 'mean-vision', kind: 'VisionEncoder', packageName: 'vlakit-encoder-mean', version: '1.2.3',
  description: 'mean colour as one token', configSchema: { parse: (x) => x }, specificationVersion: 'v1' };
class MeanStage {
  constructor(name) { this.name = name; this.specificationVersion = 'v1'; this.kind = 'VisionEncoder'; this.pluginId = 'mean-vision';
    this.config = {}; this.inputs = [{ name: 'image', shape: ['B', 8, 8, 3], dtype: 'float32' }];
    this.outputs = [{ name: 'tokens', shape: ['B', 1, 3], dtype: 'float32' }]; this.built = false; this.vars = new Map(); }
  build() { this.vars.set('scale', tf.variable(tf.ones([3]))); this.built = true; }
  variables() { return this.vars; }
  setTrainable(t) { for (const v of this.vars.values()) v.trainable = t; }
  forward(inputs) { return tf.tidy(() => ({ tokens: inputs.image.mean([1, 2]).mul(this.vars.get('scale')).expandDims(1) })); }
  dispose() { for (const v of this.vars.values()) v.dispose(); }
}
class MeanPlugin { constructor() { this.manifest = manifest; } create(options, ctx) { return new MeanStage(ctx.name); } }
export const containerModule = new ContainerModule(({ bind }) => {
  bind(Symbol.for('@vlakit/core/VisionEncoder')).toConstantValue(new MeanPlugin());
});
`,
  );
  const notPlugin = join(root, 'node_modules', 'left-pad');
  mkdirSync(notPlugin, { recursive: true });
  writeFileSync(
    join(notPlugin, 'package.json'),
    JSON.stringify({ name: 'left-pad', version: '1.0.0', main: 'index.js' }),
  );
  writeFileSync(join(notPlugin, 'index.js'), 'module.exports = () => 1;');
  return root;
}

describe('plugin packages', () => {
  const root = writeFakeProject();

  it('discovers installed packages by their vlakit-plugin keyword', () => {
    const found = discoverPluginPackages([join(root, 'sub', 'dir')]);
    expect(found.map((p) => [p.name, p.version])).toEqual([['vlakit-encoder-mean', '1.2.3']]);
  });

  it('loads a package by name and uses its stage in a pipeline', async () => {
    const { registry, container, packages } = await loadStageRegistry(['vlakit-encoder-mean'], {
      resolveFrom: [root],
      logger: memoryLogger(),
    });
    expect(packages[0]!.manifests.map((m) => m.id)).toEqual(['mean-vision']);
    container.load(testStagesModule);
    const all = StageRegistry.fromContainer(container);
    expect(registry.ids()).toEqual(['mean-vision']);
    const p = buildPipeline(
      {
        stages: {
          vision: { plugin: 'mean-vision' },
          fusion: { plugin: 'test-fusion' },
          decoder: { plugin: 'test-decoder' },
        },
      },
      all,
    );
    const out = p.forward({ image: tf.ones([2, 8, 8, 3]) });
    expect(out['actions']!.shape).toEqual([2, 2, 2]);
    expect(p.stage('fusion').inputs[0]!.shape).toEqual(['B', 'N', 3]);
    tf.dispose(out);
    p.dispose();
  });

  it('says clearly when a package is not installed or is not a plugin', async () => {
    await expect(loadStageRegistry(['vlakit-encoder-nope'], { resolveFrom: [root] })).rejects.toThrow(
      /plugin package "vlakit-encoder-nope" is not installed/,
    );
    const err = await loadStageRegistry(['left-pad'], { resolveFrom: [root] }).catch((e) => e);
    expect(VlakitError.isInstance(err, 'plugin')).toBe(true);
    expect(err.message).toContain('is not a vlakit plugin: it must export `manifest`');
  });
});
