import { parseConfig, quote, VlakitError } from '@vlakit/core';
import { z } from 'zod';

/** Architecture presets. `default` is sized for 64x64 tabletop frames and CPU training. */
export const VIT_SIZES = {
  /** ~0.1 M parameters: 64 patches of 8x8 at 64x64, trains on CPU in minutes. */
  default: { patchSize: 8, dim: 64, depth: 2, heads: 4, mlpDim: 256 },
  /** ViT-Tiny (DeiT-Ti): 5.7 M parameters. */
  tiny: { patchSize: 16, dim: 192, depth: 12, heads: 3, mlpDim: 768 },
  /** ViT-Small: 22 M parameters. */
  small: { patchSize: 16, dim: 384, depth: 12, heads: 6, mlpDim: 1536 },
  /** ViT-Base: 86 M parameters. */
  base: { patchSize: 16, dim: 768, depth: 12, heads: 12, mlpDim: 3072 },
} as const;

const rgb = z.tuple([z.number(), z.number(), z.number()]);

/** Options of the `vit` stage. Architecture fields left out come from `size`. */
export const vitEncoderSchema = z
  .object({
    /** Architecture preset: 'default' (small, CPU), 'tiny', 'small', 'base'. */
    size: z.enum(['default', 'tiny', 'small', 'base']).default('default'),
    /** Side of the square input image in pixels. Default 64. */
    imageSize: z.number().int().positive().default(64),
    /** Side of a square patch; must divide imageSize. Default from `size` (8 for default, else 16). */
    patchSize: z.number().int().positive().optional(),
    /** Token width D. Default from `size`. */
    dim: z.number().int().positive().optional(),
    /** Number of transformer blocks. Default from `size`. */
    depth: z.number().int().nonnegative().optional(),
    /** Attention heads; must divide dim. Default from `size`. */
    heads: z.number().int().positive().optional(),
    /** Hidden width of the MLP (HF intermediate_size). Default from `size` (4 x dim). */
    mlpDim: z.number().int().positive().optional(),
    /** Biases on the query/key/value projections (HF qkv_bias). Default true. */
    qkvBias: z.boolean().default(true),
    /** LayerNorm epsilon (HF layer_norm_eps). Default 1e-12. */
    layerNormEps: z.number().positive().default(1e-12),
    /**
     * Channels per input pixel: 3 (RGB), or 3 x F for F frames stacked per pixel, e.g. 6 for
     * the current frame and the episode's first (data.startFrame). imageMean and imageStd apply
     * to every frame. Default 3.
     */
    channels: z.number().int().positive().multipleOf(3).default(3),
    /** Per-channel mean subtracted from the [0,1] image inside the stage. Default 0.5 (HF ViT). */
    imageMean: rgb.default([0.5, 0.5, 0.5]),
    /** Per-channel std the image is divided by inside the stage. Default 0.5 (HF ViT). */
    imageStd: rgb.default([0.5, 0.5, 0.5]),
    /** Std of the truncated-normal initial weights. Default 0.02. */
    initStd: z.number().positive().default(0.02),
    /**
     * Keypoint tokens: K > 0 adds a spatial soft-argmax readout (per-pixel score maps -> expected
     * positions -> K extra tokens through the blocks; keypoint-readout.ts). Default 0 (none).
     */
    keypoints: z.number().int().nonnegative().default(0),
    /**
     * Patch tokens; false (with keypoints > 0) keeps only the class and keypoint tokens: the
     * blocks then relate K objects instead of (S/P)^2 patches, at a fraction of the cost. Default true.
     */
    patchTokens: z.boolean().default(true),
    /** Side of the keypoint score cells in pixels (must divide imageSize); 2 quarters the cost. Default 1. */
    keypointStride: z.number().int().positive().default(1),
    /** Hidden width of the per-cell scoring MLP of the keypoint readout. Default 16. */
    keypointHidden: z.number().int().positive().default(16),
    /** Fourier octaves of the keypoint positions fed to the token embedding. Default 4. */
    keypointFrequencies: z.number().int().nonnegative().default(4),
    /** How `loadPretrained` resizes position embeddings of another grid size. Default 'bicubic'. */
    positionInterpolation: z.enum(['bicubic', 'bilinear']).default('bicubic'),
    /**
     * A Hugging Face ViT checkpoint folder whose config.json sets patchSize, dim, depth, heads,
     * mlpDim, qkvBias and layerNormEps (options set here as well must agree). Weights are still
     * loaded by `loadPretrained` (the pipeline's `pretrained`).
     */
    hfCheckpoint: z.string().min(1).optional(),
  })
  .strict();

export type VitEncoderOptions = z.input<typeof vitEncoderSchema>;

/** The fully resolved configuration a ViT stage is built from. */
export interface VitEncoderConfig {
  readonly size: keyof typeof VIT_SIZES;
  readonly imageSize: number;
  /** Input channels: 3 x frames stacked per pixel. */
  readonly channels: number;
  readonly patchSize: number;
  readonly dim: number;
  readonly depth: number;
  readonly heads: number;
  readonly mlpDim: number;
  readonly qkvBias: boolean;
  readonly layerNormEps: number;
  readonly imageMean: readonly [number, number, number];
  readonly imageStd: readonly [number, number, number];
  readonly initStd: number;
  readonly positionInterpolation: 'bicubic' | 'bilinear';
  readonly keypoints: number;
  readonly patchTokens: boolean;
  readonly keypointStride: number;
  readonly keypointHidden: number;
  readonly keypointFrequencies: number;
  readonly hfCheckpoint?: string;
}

/** Architecture fields a checkpoint's config.json may set. */
export type VitArchitecture = Pick<
  VitEncoderConfig,
  'patchSize' | 'dim' | 'depth' | 'heads' | 'mlpDim' | 'qkvBias' | 'layerNormEps'
>;

/**
 * Validates options once and resolves the preset: explicit fields override `size`, and a
 * checkpoint architecture (from `hfCheckpoint`) overrides both but must agree with explicit fields.
 */
export function resolveVitConfig(
  options: unknown,
  where: string,
  checkpointArchitecture?: (dir: string) => VitArchitecture,
): VitEncoderConfig {
  const o = parseConfig(vitEncoderSchema, options, where);
  const preset = VIT_SIZES[o.size];
  let arch: VitArchitecture = {
    patchSize: o.patchSize ?? preset.patchSize,
    dim: o.dim ?? preset.dim,
    depth: o.depth ?? preset.depth,
    heads: o.heads ?? preset.heads,
    mlpDim: o.mlpDim ?? (o.dim !== undefined ? 4 * o.dim : preset.mlpDim),
    qkvBias: o.qkvBias,
    layerNormEps: o.layerNormEps,
  };
  if (o.hfCheckpoint !== undefined && checkpointArchitecture) {
    const fromFile = checkpointArchitecture(o.hfCheckpoint);
    const raw = (options ?? {}) as Record<string, unknown>;
    const clashes = (Object.keys(fromFile) as (keyof VitArchitecture)[])
      .filter((k) => raw[k] !== undefined && raw[k] !== fromFile[k])
      .map((k) => `${k} (${quote(raw[k])}) but the checkpoint has ${quote(fromFile[k])}`);
    if (clashes.length > 0) {
      throw new VlakitError(
        'config',
        `${where}: options disagree with ${o.hfCheckpoint}/config.json: ${clashes.join('; ')}; remove them or use another checkpoint`,
      );
    }
    arch = fromFile;
  }
  const problems: string[] = [];
  if (o.imageSize % arch.patchSize !== 0)
    problems.push(`patchSize (${arch.patchSize}) must divide imageSize (${o.imageSize})`);
  if (!o.patchTokens && o.keypoints === 0)
    problems.push(
      'patchTokens (false) needs keypoints > 0: the encoder would have no tokens but the class token',
    );
  if (o.channels !== 3 && o.hfCheckpoint !== undefined)
    problems.push(
      `channels (${o.channels}) must be 3 with hfCheckpoint (${o.hfCheckpoint}): its patch embedding reads RGB`,
    );
  if (!o.patchTokens && o.hfCheckpoint !== undefined)
    problems.push(
      `patchTokens (false) drops the patch embedding that hfCheckpoint (${o.hfCheckpoint}) provides`,
    );
  if (o.imageSize % o.keypointStride !== 0)
    problems.push(`keypointStride (${o.keypointStride}) must divide imageSize (${o.imageSize})`);
  if (arch.dim % arch.heads !== 0) problems.push(`heads (${arch.heads}) must divide dim (${arch.dim})`);
  o.imageStd.forEach((s, i) => {
    if (s <= 0) problems.push(`imageStd[${i}] (${s}) must be > 0`);
  });
  if (problems.length > 0) {
    throw new VlakitError('config', `invalid ${where}:\n  ${problems.join('\n  ')}`);
  }
  return {
    size: o.size,
    imageSize: o.imageSize,
    channels: o.channels,
    ...arch,
    imageMean: o.imageMean,
    imageStd: o.imageStd,
    initStd: o.initStd,
    positionInterpolation: o.positionInterpolation,
    keypoints: o.keypoints,
    patchTokens: o.patchTokens,
    keypointStride: o.keypointStride,
    keypointHidden: o.keypointHidden,
    keypointFrequencies: o.keypointFrequencies,
    ...(o.hfCheckpoint !== undefined ? { hfCheckpoint: o.hfCheckpoint } : {}),
  };
}

/** Number of patches along one side. */
export const gridSide = (c: Pick<VitEncoderConfig, 'imageSize' | 'patchSize'>): number =>
  c.imageSize / c.patchSize;
