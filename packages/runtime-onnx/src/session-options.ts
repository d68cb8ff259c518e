import { z } from 'zod';
import { PolicyError } from './runtime-error.js';

/** onnxruntime session options, with documented defaults. */
export const sessionOptionsSchema = z.object({
  /** Intra-op threads; 0 lets onnxruntime choose. Default 0. */
  threads: z.number().int().min(0).default(0),
  /** Graph optimisation level. Default 'all'. */
  optimization: z.enum(['disabled', 'basic', 'extended', 'all']).default('all'),
  /** Execution providers in order of preference, e.g. ['cuda']. Default ['cpu']. */
  executionProviders: z.array(z.string().min(1)).min(1).default(['cpu']),
  /** When a requested provider cannot start, use the CPU (and say so) instead of failing. Default true. */
  fallbackToCpu: z.boolean().default(true),
});

export type SessionOptionsInput = z.input<typeof sessionOptionsSchema>;
export type SessionOptions = z.output<typeof sessionOptionsSchema>;

export function parseSessionOptions(input: unknown): SessionOptions {
  const r = sessionOptionsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.path.join('.') || '(options)';
  let value: unknown = input;
  for (const k of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[k as PropertyKey];
  throw new PolicyError('config', `session option ${path} (${JSON.stringify(value)}): ${issue.message}`);
}
