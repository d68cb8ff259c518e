import { parseConfig, type StageCreateContext } from '@vlakit/core';
import { z } from 'zod';

/** Options of the `state-mlp` state encoder. Every field has a default sized for CPU training. */
export const stateMlpConfigSchema = z.strictObject({
  /** Width S of the state vector (the tabletop's effector x, y). Default 2. */
  stateDim: z.number().int().positive().default(2),
  /** Widths of the hidden layers, in order; [] makes the encoder linear. Default [64]. */
  hidden: z.array(z.number().int().positive()).max(16).default([64]),
  /** Width D of the output token `tokens (B, 1, D)`. Default 64. */
  dim: z.number().int().positive().default(64),
  /** Hidden-layer activation: 'gelu' (erf form, default) or 'relu'. */
  activation: z.enum(['gelu', 'relu']).default('gelu'),
});

export type StateMlpOptions = z.input<typeof stateMlpConfigSchema>;
export type StateMlpConfig = Readonly<z.output<typeof stateMlpConfigSchema>>;

/** Parses the options, quoting bad values. */
export function resolveStateMlpConfig(options: unknown, ctx: StageCreateContext): StateMlpConfig {
  return parseConfig(stateMlpConfigSchema, options ?? {}, `stage '${ctx.name}' (state-mlp) options`);
}
