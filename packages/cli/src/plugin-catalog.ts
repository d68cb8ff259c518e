import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createVlakitContainer,
  discoverPluginPackages,
  type Logger,
  loadPluginPackages,
  StageRegistry,
} from '@vlakit/core';

/** Where plugin packages are looked for: the user's project, then the CLI's own install. */
export function pluginSearchDirs(cwd: string): string[] {
  return [cwd, dirname(fileURLToPath(import.meta.url))];
}

export interface PluginCatalogEntry {
  id: string;
  kind: string;
  package: string;
  version: string;
  description: string;
}

export interface PluginCatalog {
  plugins: PluginCatalogEntry[];
  /** Packages that carry the plugin keyword but failed to load, with the reason. */
  failed: Array<{ package: string; error: string }>;
}

/** Loads every installed plugin package (plus `extra` by name) into one registry. */
export async function loadInstalledPlugins(
  cwd: string,
  logger: Logger,
  extra: readonly string[] = [],
): Promise<{ registry: StageRegistry; catalog: PluginCatalog }> {
  const dirs = pluginSearchDirs(cwd);
  const container = createVlakitContainer({ logger });
  const plugins: PluginCatalogEntry[] = [];
  const failed: PluginCatalog['failed'] = [];
  const names = [...new Set([...discoverPluginPackages(dirs).map((p) => p.name), ...extra])];
  for (const name of names) {
    try {
      const [pkg] = await loadPluginPackages(container, [name], { resolveFrom: dirs });
      for (const m of pkg!.manifests) {
        plugins.push({
          id: m.id,
          kind: m.kind,
          package: pkg!.name,
          version: pkg!.version,
          description: m.description,
        });
      }
    } catch (error) {
      if (extra.includes(name)) throw error;
      failed.push({ package: name, error: (error as Error).message });
    }
  }
  plugins.sort((a, b) => a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id));
  return { registry: StageRegistry.fromContainer(container), catalog: { plugins, failed } };
}
