import { parseConfig, type StageCreateContext, VlakitError } from '@vlakit/core';
import { z } from 'zod';

/** Options of the `concat` fusion. Every field has a default sized for CPU training. */
export const concatFusionConfigSchema = z.strictObject({
  /** Width D of `fused (B, D)`. Default 128. */
  dim: z.number().int().positive().default(128),
  /** Activation after the projection: 'gelu' (erf form, default) or 'relu'. */
  activation: z.enum(['gelu', 'relu']).default('gelu'),
  /** Width of the vision tokens; default: taken from the stage feeding `vision`. */
  visionDim: z.number().int().positive().optional(),
  /** Width of the language tokens; default: taken from the stage feeding `language` (none when unwired). */
  languageDim: z.number().int().positive().optional(),
  /** Width of the state token; default: taken from the stage feeding `state` (none when unwired). */
  stateDim: z.number().int().positive().optional(),
});

export type ConcatFusionOptions = z.input<typeof concatFusionConfigSchema>;

/** The resolved configuration: widths concrete; an absent width means no such input. */
export interface ConcatFusionConfig {
  readonly dim: number;
  readonly activation: 'gelu' | 'relu';
  readonly visionDim: number;
  readonly languageDim?: number;
  readonly stateDim?: number;
}

function upstreamWidth(ctx: StageCreateContext, portName: string): number | undefined {
  const p = ctx.upstream[portName];
  const last = p?.shape[p.shape.length - 1];
  return typeof last === 'number' ? last : undefined;
}

/** Parses the options (quoting bad values) and fills the input widths from upstream. */
export function resolveConcatFusionConfig(options: unknown, ctx: StageCreateContext): ConcatFusionConfig {
  const where = `stage '${ctx.name}' (concat) options`;
  const c = parseConfig(concatFusionConfigSchema, options ?? {}, where);
  const visionDim = c.visionDim ?? upstreamWidth(ctx, 'vision');
  if (visionDim === undefined) {
    throw new VlakitError(
      'config',
      `${where}: the width of the vision tokens is unknown; wire a vision encoder to '${ctx.name}.vision' or set visionDim`,
    );
  }
  const languageDim = c.languageDim ?? upstreamWidth(ctx, 'language');
  const stateDim = c.stateDim ?? upstreamWidth(ctx, 'state');
  return {
    dim: c.dim,
    activation: c.activation,
    visionDim,
    ...(languageDim === undefined ? {} : { languageDim }),
    ...(stateDim === undefined ? {} : { stateDim }),
  };
}
