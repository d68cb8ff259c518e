import type { Container } from 'inversify';
import { quote, VlakitError } from './errors.js';
import type { StagePluginV1 } from './plugin.js';
import { STAGE_KINDS } from './stage.js';
import { StageTokens } from './tokens.js';

/** The stage plugins bound in a container, by id. */
export class StageRegistry {
  private readonly byId = new Map<string, StagePluginV1>();

  constructor(plugins: readonly StagePluginV1[]) {
    for (const plugin of plugins) {
      const { id, packageName } = plugin.manifest;
      const existing = this.byId.get(id);
      if (existing !== undefined && existing !== plugin) {
        throw new VlakitError(
          'plugin',
          `plugin id ${quote(id)} is provided twice: by ${existing.manifest.packageName} and by ${packageName}`,
        );
      }
      this.byId.set(id, plugin);
    }
  }

  /** Collects every plugin bound under the stage-kind tokens, checking each kind matches. */
  static fromContainer(container: Container): StageRegistry {
    const plugins: StagePluginV1[] = [];
    for (const kind of STAGE_KINDS) {
      const token = StageTokens[kind];
      if (!container.isBound(token)) continue;
      for (const plugin of container.getAll(token)) {
        if (plugin.manifest.kind !== kind) {
          throw new VlakitError(
            'plugin',
            `plugin ${quote(plugin.manifest.id)} (${plugin.manifest.packageName}) declares kind ${plugin.manifest.kind} but is bound as ${kind}`,
          );
        }
        plugins.push(plugin);
      }
    }
    return new StageRegistry(plugins);
  }

  ids(): string[] {
    return [...this.byId.keys()].sort();
  }

  list(): StagePluginV1[] {
    return this.ids().map((id) => this.byId.get(id)!);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): StagePluginV1 {
    const plugin = this.byId.get(id);
    if (plugin === undefined) {
      const installed = this.ids();
      throw new VlakitError(
        'plugin',
        `unknown stage plugin ${quote(id)}; installed: ${installed.length ? installed.join(', ') : 'none'}`,
        { details: { id, installed } },
      );
    }
    return plugin;
  }
}
