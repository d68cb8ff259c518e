import { parseConfig, type StageCreateContext, VlakitError } from '@vlakit/core';
import { z } from 'zod';

/** Options of the `cross-attention` fusion. Every field has a default sized for CPU training. */
export const crossAttentionConfigSchema = z.strictObject({
  /** Model width D: attention, feed-forward, `tokens (B, Lq, D)` and `fused (B, D)`. Default 64. */
  dim: z.number().int().positive().default(64),
  /** Attention heads; must divide `dim`. Default 4 (head width 16 at dim 64). */
  heads: z.number().int().positive().default(4),
  /**
   * Which side asks: 'language' (default) lets each instruction token query the vision tokens;
   * 'vision' lets each vision token query the instruction tokens (masked by the language mask).
   */
  query: z.enum(['language', 'vision']).default('language'),
  /** Hidden width of the feed-forward block. Default 2 * dim. */
  ffnDim: z.number().int().positive().optional(),
  /** Feed-forward activation: 'gelu' (erf form, default) or 'relu'. */
  activation: z.enum(['gelu', 'relu']).default('gelu'),
  /** LayerNorm epsilon, explicit so export uses the same value (ONNX defaults differ). Default 1e-5. */
  layerNormEpsilon: z.number().positive().max(0.1).default(1e-5),
  /** Width of the vision tokens; default: taken from the stage feeding `vision`. */
  visionDim: z.number().int().positive().optional(),
  /** Width of the language tokens; default: taken from the stage feeding `language`. */
  languageDim: z.number().int().positive().optional(),
  /** Width of the state token; default: taken from the stage feeding `state` (no state input when unwired). */
  stateDim: z.number().int().positive().optional(),
});

export type CrossAttentionOptions = z.input<typeof crossAttentionConfigSchema>;

/** The resolved configuration a stage is built from: every width concrete. */
export interface CrossAttentionConfig {
  readonly dim: number;
  readonly heads: number;
  readonly query: 'language' | 'vision';
  readonly ffnDim: number;
  readonly activation: 'gelu' | 'relu';
  readonly layerNormEpsilon: number;
  readonly visionDim: number;
  readonly languageDim: number;
  /** Absent: the stage has no `state` input. */
  readonly stateDim?: number;
}

/** The last dimension of the port feeding `portName`, when it is concrete. */
function upstreamWidth(ctx: StageCreateContext, portName: string): number | undefined {
  const p = ctx.upstream[portName];
  const last = p?.shape[p.shape.length - 1];
  return typeof last === 'number' ? last : undefined;
}

/**
 * Parses the options (quoting bad values), fills widths from the upstream ports and checks
 * the combinations a schema cannot express.
 */
export function resolveCrossAttentionConfig(options: unknown, ctx: StageCreateContext): CrossAttentionConfig {
  const where = `stage '${ctx.name}' (cross-attention) options`;
  const c = parseConfig(crossAttentionConfigSchema, options ?? {}, where);
  if (c.dim % c.heads !== 0) {
    throw new VlakitError('config', `${where}: heads (${c.heads}) must divide dim (${c.dim})`, {
      details: { heads: c.heads, dim: c.dim },
    });
  }
  const visionDim = c.visionDim ?? upstreamWidth(ctx, 'vision');
  if (visionDim === undefined) {
    throw new VlakitError(
      'config',
      `${where}: the width of the vision tokens is unknown; wire a vision encoder to '${ctx.name}.vision' or set visionDim`,
    );
  }
  const languageDim = c.languageDim ?? upstreamWidth(ctx, 'language');
  if (languageDim === undefined) {
    throw new VlakitError(
      'config',
      `${where}: cross-attention needs language tokens (query ${JSON.stringify(c.query)}); wire a language encoder to '${ctx.name}.language' or set languageDim`,
    );
  }
  const stateDim = c.stateDim ?? upstreamWidth(ctx, 'state');
  return {
    dim: c.dim,
    heads: c.heads,
    query: c.query,
    ffnDim: c.ffnDim ?? 2 * c.dim,
    activation: c.activation,
    layerNormEpsilon: c.layerNormEpsilon,
    visionDim,
    languageDim,
    ...(stateDim === undefined ? {} : { stateDim }),
  };
}
