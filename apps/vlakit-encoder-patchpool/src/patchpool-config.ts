import { z } from 'zod';

/** Options of the patchpool encoder, with defaults for 64x64 tabletop frames. */
export const patchPoolConfigSchema = z
  .object({
    /** Input image side in pixels (square). */
    imageSize: z.number().int().positive().default(64),
    /** Side of the square cell each token averages. Must divide imageSize. */
    cellSize: z.number().int().positive().default(8),
    /** Pixels kept per cell side after pooling (cellSize / pooledSize sub-cells are averaged). */
    pooledSize: z.number().int().positive().default(2),
    /** Token width. */
    dim: z.number().int().positive().default(64),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.imageSize % c.cellSize !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['cellSize'],
        message: `cellSize (${c.cellSize}) must divide imageSize (${c.imageSize})`,
      });
    }
    if (c.cellSize % c.pooledSize !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['pooledSize'],
        message: `pooledSize (${c.pooledSize}) must divide cellSize (${c.cellSize})`,
      });
    }
  });

export type PatchPoolConfig = z.output<typeof patchPoolConfigSchema>;
