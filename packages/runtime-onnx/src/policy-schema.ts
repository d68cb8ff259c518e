import { z } from 'zod';

const dim = z.union([z.number().int().nonnegative(), z.string()]);
const stats = z.object({ mean: z.array(z.number()), std: z.array(z.number().positive()) });

/** `policy.json` version 1, as @vlakit/export-onnx writes it. */
export const policySpecSchema = z.object({
  format: z.literal('vlakit-policy'),
  version: z.literal(1),
  model: z.string(),
  external_data: z.string().nullable(),
  opset: z.number().int(),
  ir_version: z.number().int(),
  inputs: z.array(
    z.object({
      name: z.string(),
      role: z.enum(['image', 'token_ids', 'token_mask', 'state', 'other']),
      dtype: z.enum(['float32', 'int32', 'int64', 'bool']),
      shape: z.array(dim),
    }),
  ),
  outputs: z.object({
    actions: z.object({ name: z.string(), shape: z.array(dim), units: z.literal('normalised') }),
    done: z.object({ name: z.string(), shape: z.array(dim), kind: z.literal('logit') }),
  }),
  image: z
    .object({
      height: z.number().int().positive(),
      width: z.number().int().positive(),
      // 3: RGB; 6: the current frame's RGB, then the episode's first frame's (observation.startImage)
      channels: z.union([z.literal(3), z.literal(6)]),
      layout: z.literal('NHWC'),
      dtype: z.literal('float32'),
      scale: z.number(),
      offset: z.number(),
    })
    .nullable(),
  tokenizer: z
    .object({
      kind: z.enum(['char', 'huggingface', 'custom']),
      max_length: z.number().int().positive(),
      vocab_size: z.number().int().positive(),
      files: z.array(z.string()),
      samples: z.array(z.object({ text: z.string(), ids: z.array(z.number().int()) })),
    })
    .nullable(),
  normalization: z.object({ action: stats, state: stats.optional() }),
  action: z.object({
    dim: z.number().int().positive(),
    chunk_length: z.number().int().positive(),
    units: z.string(),
  }),
  chunk_length: z.number().int().positive(),
  source: z.object({
    run: z.string().nullable(),
    step: z.number().nullable(),
    pipeline: z.unknown(),
    exported_at: z.string(),
    producer: z.string(),
  }),
  parity: z.object({
    max_abs_diff: z.number(),
    tolerance: z.number(),
    batches: z.array(z.number()),
    per_output: z.record(z.string(), z.number()),
  }),
});

export type PolicySpec = z.output<typeof policySpecSchema>;
