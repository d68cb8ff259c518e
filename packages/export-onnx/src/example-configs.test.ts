import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildPipeline,
  discoverPluginPackages,
  loadExperimentConfigFile,
  loadStageRegistry,
} from '@vlakit/core';
import { describe, expect, it } from 'vitest';
import { exportPipeline } from './export-pipeline.js';
import { hasPythonOnnx, pythonCheckModels, tempDir } from './test-helpers.js';

/*
 * Whole-pipeline parity for every example experiment config in the repo (apps/examples and
 * packages/<pkg>/examples): build it with its plugin packages, export, and let the export's own
 * check compare onnxruntime with tfjs at batch 1 and 4 (fails above 1e-4).
 */
const repo = fileURLToPath(new URL('../../../', import.meta.url));

function findConfigs(): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (!existsSync(dir) || depth > 4) return;
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path, depth + 1);
      else if (/\.(ya?ml|json)$/.test(name) && /(^|\/)examples\//.test(relative(repo, path))) out.push(path);
    }
  };
  walk(join(repo, 'apps', 'examples'), 0);
  for (const p of existsSync(join(repo, 'packages')) ? readdirSync(join(repo, 'packages')) : [])
    walk(join(repo, 'packages', p, 'examples'), 1);
  return out.filter((f) => !f.endsWith('package.json') && !f.includes('tsconfig')).sort();
}

const configs = findConfigs();
const norm = (dim: number) => ({
  action: { mean: Array(dim).fill(0), std: Array(dim).fill(1) },
  state: { mean: [0, 0], std: [1, 1] },
});

describe('every example config exports with parity', () => {
  if (configs.length === 0) {
    it.skip('no example configs in this checkout (apps/examples, packages/*/examples)', () => {});
    return;
  }
  const exported: string[] = [];
  it.each(configs.map((c) => [relative(repo, c), c]))('%s', async (_, path) => {
    let config: ReturnType<typeof loadExperimentConfigFile>;
    try {
      config = loadExperimentConfigFile(path);
    } catch {
      return; // not an experiment config (e.g. a data file beside them)
    }
    const missing = Object.values(config.pipeline.stages)
      .map((s) => (s as { options?: Record<string, unknown> }).options?.['hfCheckpoint'])
      .filter((p): p is string => typeof p === 'string' && !existsSync(join(dirname(path), p)));
    if (missing.length > 0) {
      console.warn(
        `${relative(repo, path)}: skipped, pretrained checkpoint ${missing.join(', ')} is not in this checkout`,
      );
      return;
    }
    // the config's own package (its node_modules) and the CLI's install, as `vla` resolves plugins
    let pkgDir = dirname(path);
    while (!existsSync(join(pkgDir, 'package.json')) && dirname(pkgDir) !== pkgDir) pkgDir = dirname(pkgDir);
    const from = [pkgDir, join(repo, 'packages', 'cli')];
    const names = [...new Set([...config.plugins, ...discoverPluginPackages(from).map((p) => p.name)])];
    const { registry } = await loadStageRegistry(names, { resolveFrom: from });
    const pipeline = buildPipeline(config.pipeline, registry, { seed: config.seed });
    try {
      pipeline.build();
      const r = await exportPipeline(pipeline, { outDir: join(tempDir(), 'policy'), normalization: norm(2) });
      expect(r.parityMaxAbsDiff).toBeLessThan(1e-4);
      // the third-party encoder (apps/examples' vlakit-encoder-patchpool) has no ONNX code: traced
      for (const [name, stage] of pipeline.stages)
        if (stage.pluginId === 'patchpool') {
          expect(Object.keys(r.kernelCounts[name]!).length).toBeGreaterThan(0);
          expect(Object.keys(r.kernelCounts[name]!).some((k) => k.startsWith('stage:'))).toBe(false);
        }
      exported.push(r.modelPath);
    } finally {
      pipeline.dispose();
    }
  });
  it('onnx.checker accepts every exported model', () => {
    if (!hasPythonOnnx()) {
      console.warn('python3-onnx is not installed (apt-get install python3-onnx): onnx.checker skipped');
      return;
    }
    expect(pythonCheckModels(exported)).toEqual([]);
  });
});
