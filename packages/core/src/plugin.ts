import type { z } from 'zod';
import type { PortSpec } from './ports.js';
import type { StageKind, StageV1 } from './stage.js';

/** What a plugin declares about itself; exported by its package as `manifest`. */
export interface PluginManifest {
  /** Id used in configs, e.g. 'vit'. Unique among installed plugins. */
  readonly id: string;
  readonly kind: StageKind;
  /** The npm package that provides it. */
  readonly packageName: string;
  readonly version: string;
  readonly description: string;
  /** zod schema of its options, with defaults; `create` parses options with it. */
  readonly configSchema: z.ZodType;
  readonly specificationVersion: 'v1';
}

/** What the pipeline builder tells a plugin when it creates a stage. */
export interface StageCreateContext {
  /** The node name in the pipeline graph. */
  readonly name: string;
  /** Seed for this stage's initial weights (derived from the experiment seed and the name). */
  readonly seed: number;
  /** The ports that feed this stage's inputs, keyed by this stage's input port name. */
  readonly upstream: Readonly<Record<string, PortSpec>>;
}

/** A stage plugin: a factory bound in the DI container under its kind's token. */
export interface StagePluginV1 {
  readonly manifest: PluginManifest;
  /** Validates `options` against the manifest's schema and returns an unbuilt stage. */
  create(options: unknown, context: StageCreateContext): StageV1;
}
