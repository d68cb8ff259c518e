import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Container, type ContainerModule } from 'inversify';
import { quote, VlakitError } from './errors.js';
import { type Logger, stderrLogger } from './logger.js';
import type { PluginManifest } from './plugin.js';
import { StageRegistry } from './stage-registry.js';
import { CoreTokens } from './tokens.js';

/** The keyword that marks an npm package as a vlakit stage plugin. */
export const PLUGIN_KEYWORD = 'vlakit-plugin';

export interface DiscoveredPackage {
  readonly name: string;
  readonly version: string;
  readonly dir: string;
}

export interface LoadedPluginPackage extends DiscoveredPackage {
  readonly manifests: readonly PluginManifest[];
}

/** A new container with core's own services bound. */
export function createVlakitContainer(options: { logger?: Logger } = {}): Container {
  const container = new Container();
  container.bind(CoreTokens.Logger).toConstantValue(options.logger ?? stderrLogger);
  return container;
}

/**
 * Finds installed plugin packages: every package in a `node_modules` folder at or above each
 * of `fromDirs` whose package.json lists the `vlakit-plugin` keyword.
 */
export function discoverPluginPackages(fromDirs: readonly string[]): DiscoveredPackage[] {
  const found = new Map<string, DiscoveredPackage>();
  for (const start of fromDirs) {
    let dir = resolve(start);
    for (;;) {
      const nm = join(dir, 'node_modules');
      if (existsSync(nm)) for (const pkgDir of packageDirs(nm)) addIfPlugin(pkgDir, found);
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function packageDirs(nodeModules: string): string[] {
  const out: string[] = [];
  for (const entry of safeReaddir(nodeModules)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@'))
      for (const sub of safeReaddir(join(nodeModules, entry))) out.push(join(nodeModules, entry, sub));
    else out.push(join(nodeModules, entry));
  }
  return out;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function addIfPlugin(pkgDir: string, found: Map<string, DiscoveredPackage>): void {
  let pkg: { name?: unknown; version?: unknown; keywords?: unknown };
  try {
    pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  } catch {
    return;
  }
  if (typeof pkg.name !== 'string' || found.has(pkg.name)) return;
  if (!Array.isArray(pkg.keywords) || !pkg.keywords.includes(PLUGIN_KEYWORD)) return;
  found.set(pkg.name, { name: pkg.name, version: String(pkg.version ?? '0.0.0'), dir: pkgDir });
}

/** Resolves a package name from the first of `fromDirs` where it is installed. */
function resolvePackage(
  name: string,
  fromDirs: readonly string[],
): { entry: string; dir: string; version: string } {
  for (const from of fromDirs) {
    const req = createRequire(join(resolve(from), 'noop.js'));
    let pkgJsonPath: string | undefined;
    try {
      pkgJsonPath = req.resolve(`${name}/package.json`);
    } catch {
      // not exported or not installed; try the entry and walk up to the package.json
    }
    let entry: string;
    try {
      entry = req.resolve(name);
    } catch {
      continue;
    }
    if (pkgJsonPath === undefined) {
      let dir = dirname(entry);
      while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
      pkgJsonPath = join(dir, 'package.json');
    }
    const pkg = JSON.parse(readFileSync(pkgJsonPath, 'utf8')) as { version?: string };
    return { entry, dir: dirname(pkgJsonPath), version: pkg.version ?? '0.0.0' };
  }
  throw new VlakitError(
    'plugin',
    `plugin package ${quote(name)} is not installed (looked from ${fromDirs.join(', ')}); install it, e.g. \`pnpm add ${name}\``,
  );
}

function isManifest(value: unknown): value is PluginManifest {
  const m = value as PluginManifest;
  return typeof m === 'object' && m !== null && typeof m.id === 'string' && typeof m.kind === 'string';
}

/**
 * Imports plugin packages by name and loads their ContainerModules into `container`. A plugin
 * package exports `manifest` (one manifest or an array) and `containerModule`.
 */
export async function loadPluginPackages(
  container: Container,
  names: readonly string[],
  options: { resolveFrom?: readonly string[] } = {},
): Promise<LoadedPluginPackage[]> {
  const fromDirs = options.resolveFrom ?? [process.cwd()];
  const loaded: LoadedPluginPackage[] = [];
  for (const name of [...new Set(names)]) {
    const { entry, dir, version } = resolvePackage(name, fromDirs);
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
    } catch (cause) {
      throw new VlakitError(
        'plugin',
        `plugin package ${quote(name)} failed to load: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
    const manifests = Array.isArray(mod['manifest']) ? mod['manifest'] : [mod['manifest']];
    if (!manifests.every(isManifest) || !(mod['containerModule'] instanceof Object)) {
      throw new VlakitError(
        'plugin',
        `package ${quote(name)} is not a vlakit plugin: it must export \`manifest\` (id, kind, version, configSchema) and \`containerModule\`; it exports ${Object.keys(mod).join(', ') || 'nothing'}`,
      );
    }
    const module = mod['containerModule'] as ContainerModule;
    if (typeof (module as { load?: unknown }).load !== 'function') {
      throw new VlakitError(
        'plugin',
        `package ${quote(name)}: \`containerModule\` is not an inversify ContainerModule`,
      );
    }
    await container.loadAsync(module);
    loaded.push({ name, version, dir, manifests });
  }
  return loaded;
}

/** Container + registry with the given plugin packages loaded. */
export async function loadStageRegistry(
  names: readonly string[],
  options: { resolveFrom?: readonly string[]; logger?: Logger } = {},
): Promise<{ container: Container; registry: StageRegistry; packages: LoadedPluginPackage[] }> {
  const container = createVlakitContainer(options.logger ? { logger: options.logger } : {});
  const packages = await loadPluginPackages(container, names, options);
  return { container, registry: StageRegistry.fromContainer(container), packages };
}
