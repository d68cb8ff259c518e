import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverPluginPackages, loadStageRegistry, memoryLogger, type StageRegistry } from '@vlakit/core';

export const examplesDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const configsDir = join(examplesDir, 'configs');

/** The experiment configs shipped here (file names). */
export function exampleConfigs(): string[] {
  return readdirSync(configsDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
}

/** Every plugin package installed for the examples, loaded by package name as `vla` does. */
export async function examplesRegistry(extra: readonly string[] = []): Promise<StageRegistry> {
  const names = [...discoverPluginPackages([examplesDir]).map((p) => p.name), ...extra];
  const { registry } = await loadStageRegistry(names, { resolveFrom: [examplesDir], logger: memoryLogger() });
  return registry;
}
