import { parseConfig, type StageCreateContext, VlakitError } from '@vlakit/core';
import { z } from 'zod';

/** Options of the `gru` action decoder. Every field has a default sized for CPU training. */
export const gruDecoderConfigSchema = z.strictObject({
  /** Actions per chunk T: `actions (B, T, A)`. Default 8. */
  chunk: z.number().int().positive().max(1024).default(8),
  /** Action width A (delta x, y on the tabletop). Default 2. */
  actionDim: z.number().int().positive().default(2),
  /** GRU hidden units U. Default 128. */
  hidden: z.number().int().positive().default(128),
  /**
   * What each GRU step reads: 'queries' (a learned embedding per step), 'fused' (the fused
   * feature at every step) or 'both' (the two concatenated, default).
   */
  stepInput: z.enum(['queries', 'fused', 'both']).default('both'),
  /** Width E of the learned per-step query embeddings. Default 32. */
  queryDim: z.number().int().positive().default(32),
  /** Width D of the fused input; default: taken from the stage feeding `fused`. */
  fusedDim: z.number().int().positive().optional(),
});

export type GruDecoderOptions = z.input<typeof gruDecoderConfigSchema>;

/** The resolved configuration: every width concrete. */
export interface GruDecoderConfig {
  readonly chunk: number;
  readonly actionDim: number;
  readonly hidden: number;
  readonly stepInput: 'queries' | 'fused' | 'both';
  readonly queryDim: number;
  readonly fusedDim: number;
}

/** I: the width of one GRU step's input (queryDim, fusedDim or their sum). */
export function gruStepWidth(c: Pick<GruDecoderConfig, 'stepInput' | 'queryDim' | 'fusedDim'>): number {
  return c.stepInput === 'queries'
    ? c.queryDim
    : c.stepInput === 'fused'
      ? c.fusedDim
      : c.queryDim + c.fusedDim;
}

/** Parses the options (quoting bad values) and takes the fused width from upstream. */
export function resolveGruDecoderConfig(options: unknown, ctx: StageCreateContext): GruDecoderConfig {
  const where = `stage '${ctx.name}' (gru) options`;
  const c = parseConfig(gruDecoderConfigSchema, options ?? {}, where);
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
