import { z } from 'zod';

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const PORT_REF = /^[A-Za-z][A-Za-z0-9_]*\.[A-Za-z][A-Za-z0-9_]*$/;

export const nodeNameSchema = z
  .string()
  .regex(NAME, 'a name starts with a letter and holds only letters, digits and _');
export const portRefSchema = z.string().regex(PORT_REF, 'expected "stage.port"');

/** One stage of a pipeline: which plugin makes it and how. */
export const stageSpecSchema = z
  .object({
    /** Plugin id, e.g. 'vit'. */
    plugin: z.string().min(1),
    /** The plugin's options; the plugin validates them with its own schema. */
    options: z.record(z.string(), z.unknown()).default({}),
    /** false freezes every variable of the stage. */
    trainable: z.boolean().default(true),
    /** Names of variables to freeze (the rest stay trainable). */
    freeze: z.array(z.string()).default([]),
    /** Learning-rate multiplier for this stage (e.g. 0.1 for a pretrained encoder). */
    lrMultiplier: z.number().nonnegative().default(1),
    /** A folder to load pretrained weights from (the plugin's `loadPretrained`). */
    pretrained: z.string().min(1).optional(),
  })
  .strict();

/**
 * A pipeline graph. With only `stages`, stages are wired by kind (see docs/architecture.md);
 * with `inputs`, `edges` and `outputs`, exactly as written.
 */
export const graphSpecSchema = z
  .object({
    stages: z
      .record(nodeNameSchema, stageSpecSchema)
      .refine((s) => Object.keys(s).length > 0, 'a pipeline needs at least one stage'),
    /** Pipeline input name -> the stage port(s) it feeds. */
    inputs: z.record(nodeNameSchema, z.union([portRefSchema, z.array(portRefSchema).min(1)])).optional(),
    /** "from.port -> to.port" */
    edges: z
      .array(z.string().regex(/^\s*[^\s>-]+\s*->\s*[^\s>-]+\s*$/, 'expected "from.port -> to.port"'))
      .optional(),
    /** Pipeline output name -> the stage port it reads. */
    outputs: z.record(nodeNameSchema, portRefSchema).optional(),
  })
  .strict()
  .refine(
    (g) =>
      [g.inputs, g.edges, g.outputs].every((x) => x === undefined) ||
      [g.inputs, g.edges, g.outputs].every((x) => x !== undefined),
    'an explicit graph gives all of inputs, edges and outputs (or none of them, for wiring by kind)',
  );

export type StageSpec = z.output<typeof stageSpecSchema>;
export type GraphSpec = z.output<typeof graphSpecSchema>;
export type GraphSpecInput = z.input<typeof graphSpecSchema>;

export interface PortRef {
  readonly node: string;
  readonly port: string;
}

export function parsePortRef(ref: string): PortRef {
  const dot = ref.indexOf('.');
  return { node: ref.slice(0, dot).trim(), port: ref.slice(dot + 1).trim() };
}

export function formatPortRef(ref: PortRef): string {
  return `${ref.node}.${ref.port}`;
}
