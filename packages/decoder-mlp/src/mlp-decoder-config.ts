import { parseConfig, type StageCreateContext, VlakitError } from '@vlakit/core';
import { z } from 'zod';

/** Options of the `mlp` action decoder. Every field has a default sized for CPU training. */
export const mlpDecoderConfigSchema = z.strictObject({
  /** Actions per chunk T: `actions (B, T, A)`. Default 8. */
  chunk: z.number().int().positive().max(1024).default(8),
  /** Action width A (delta x, y on the tabletop). Default 2. */
  actionDim: z.number().int().positive().default(2),
  /** Widths of the hidden layers, in order; [] makes the decoder linear. Default [128, 128]. */
  hidden: z.array(z.number().int().positive()).max(16).default([128, 128]),
  /** Hidden-layer activation: 'gelu' (erf form, default) or 'relu'. */
  activation: z.enum(['gelu', 'relu']).default('gelu'),
  /** Width D of the fused input; default: taken from the stage feeding `fused`. */
  fusedDim: z.number().int().positive().optional(),
});

export type MlpDecoderOptions = z.input<typeof mlpDecoderConfigSchema>;

/** The resolved configuration: every width concrete. */
export type MlpDecoderConfig = Readonly<z.output<typeof mlpDecoderConfigSchema> & { fusedDim: number }>;

/** Parses the options (quoting bad values) and takes the fused width from upstream. */
export function resolveMlpDecoderConfig(options: unknown, ctx: StageCreateContext): MlpDecoderConfig {
  const where = `stage '${ctx.name}' (mlp) options`;
  const c = parseConfig(mlpDecoderConfigSchema, options ?? {}, where);
  const p = ctx.upstream['fused'];
  const upstreamWidth = p?.shape[p.shape.length - 1];
  const fusedDim = c.fusedDim ?? (typeof upstreamWidth === 'number' ? upstreamWidth : undefined);
  if (fusedDim === undefined) {
    throw new VlakitError(
      'config',
      `${where}: the width of 'fused' is unknown; wire a fusion to '${ctx.name}.fused' or set fusedDim`,
    );
  }
  return { ...c, fusedDim };
}
