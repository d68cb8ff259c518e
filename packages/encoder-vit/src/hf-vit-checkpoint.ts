import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ExpectedCheckpointTensor,
  type PretrainedLoadReport,
  quote,
  readSafetensorsFile,
  takeCheckpointTensors,
  transposeMatrix,
  VlakitError,
} from '@vlakit/core';
import { convWeightToPatchKernel } from './patch-embedding.js';
import { interpolatePositionGrid } from './position-interpolation.js';
import { gridSide, type VitArchitecture, type VitEncoderConfig } from './vit-encoder-config.js';

/** The fields of a Hugging Face ViTConfig (config.json) that the encoder uses. */
export interface HfVitConfig extends VitArchitecture {
  readonly imageSize: number;
  readonly channels: number;
}

function readJson(path: string): Record<string, unknown> {
  if (!existsSync(path)) {
    throw new VlakitError(
      'checkpoint',
      `${path} not found: a Hugging Face ViT folder holds config.json and model.safetensors`,
    );
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw new VlakitError('checkpoint', `${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}

/** Reads `dir/config.json` (HF ViTConfig); HF defaults fill absent fields. */
export function readHfVitConfig(dir: string): HfVitConfig {
  const path = join(dir, 'config.json');
  const raw = readJson(path);
  const num = (key: string, fallback: number): number => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new VlakitError('checkpoint', `${path}: ${key} (${quote(v)}) must be a number`);
    return v;
  };
  const act = raw['hidden_act'] ?? 'gelu';
  if (act !== 'gelu') {
    throw new VlakitError(
      'checkpoint',
      `${path}: hidden_act (${quote(act)}) is not supported; the encoder implements 'gelu' (erf)`,
    );
  }
  const dim = num('hidden_size', 768);
  return {
    imageSize: num('image_size', 224),
    patchSize: num('patch_size', 16),
    channels: num('num_channels', 3),
    dim,
    depth: num('num_hidden_layers', 12),
    heads: num('num_attention_heads', 12),
    mlpDim: num('intermediate_size', 3072),
    qkvBias: (raw['qkv_bias'] ?? true) === true,
    layerNormEps: num('layer_norm_eps', 1e-12),
  };
}

/** The architecture part of a checkpoint's config (for the `hfCheckpoint` option). */
export function hfVitArchitecture(dir: string): VitArchitecture {
  const { imageSize: _i, channels: _c, ...arch } = readHfVitConfig(dir);
  return arch;
}

/** HF key (without 'vit.' prefix) -> our variable name, with the transform it needs. */
function keyMap(c: HfVitConfig): Array<{ key: string; shape: number[]; variable: string; linear?: boolean }> {
  const { dim, mlpDim, patchSize: p, channels } = c;
  const n = (c.imageSize / p) ** 2;
  const rows: Array<{ key: string; shape: number[]; variable: string; linear?: boolean }> = [
    { key: 'embeddings.cls_token', shape: [1, 1, dim], variable: 'cls' },
    { key: 'embeddings.position_embeddings', shape: [1, n + 1, dim], variable: 'position' },
    {
      key: 'embeddings.patch_embeddings.projection.weight',
      shape: [dim, channels, p, p],
      variable: 'patch/kernel',
    },
    { key: 'embeddings.patch_embeddings.projection.bias', shape: [dim], variable: 'patch/bias' },
    { key: 'layernorm.weight', shape: [dim], variable: 'ln/gamma' },
    { key: 'layernorm.bias', shape: [dim], variable: 'ln/beta' },
  ];
  for (let i = 0; i < c.depth; i++) {
    const h = `encoder.layer.${i}`;
    const b = `block${i}`;
    const linear = (key: string, out: number, inp: number, variable: string, bias = true) => {
      rows.push({ key: `${key}.weight`, shape: [out, inp], variable: `${variable}/kernel`, linear: true });
      if (bias) rows.push({ key: `${key}.bias`, shape: [out], variable: `${variable}/bias` });
    };
    rows.push({ key: `${h}.layernorm_before.weight`, shape: [dim], variable: `${b}/ln1/gamma` });
    rows.push({ key: `${h}.layernorm_before.bias`, shape: [dim], variable: `${b}/ln1/beta` });
    for (const proj of ['query', 'key', 'value'])
      linear(`${h}.attention.attention.${proj}`, dim, dim, `${b}/attn/${proj}`, c.qkvBias);
    linear(`${h}.attention.output.dense`, dim, dim, `${b}/attn/output`);
    rows.push({ key: `${h}.layernorm_after.weight`, shape: [dim], variable: `${b}/ln2/gamma` });
    rows.push({ key: `${h}.layernorm_after.bias`, shape: [dim], variable: `${b}/ln2/beta` });
    linear(`${h}.intermediate.dense`, mlpDim, dim, `${b}/mlp/fc1`);
    linear(`${h}.output.dense`, dim, mlpDim, `${b}/mlp/fc2`);
  }
  return rows;
}

/** Keys a ViT checkpoint may hold that the encoder does not use. */
const IGNORED = [/^pooler\./, /^classifier\./, /^embeddings\.mask_token$/];

/**
 * Reads a Hugging Face ViT checkpoint folder into the encoder's variable layout:
 * - config.json must agree with the stage's architecture (patch size, width, depth, heads, MLP
 *   width, qkv bias, LayerNorm epsilon, 3 channels); its image_size may differ, in which case the
 *   position-embedding grid is resized (bicubic by default, `positionInterpolation`);
 * - model.safetensors keys as HF's ViTModel writes them, optionally under `vit.`
 *   (ViTForImageClassification); pooler and classifier heads are ignored;
 * - torch Linear weights (out, in) are transposed, the conv projection [D, 3, P, P] becomes the
 *   patch matmul kernel (P*P*3, D).
 */
export function loadHfVitCheckpoint(
  dir: string,
  stage: VitEncoderConfig,
): { values: Map<string, Float32Array>; report: PretrainedLoadReport } {
  const hf = readHfVitConfig(dir);
  const checks: Array<[string, unknown, unknown]> = [
    ['patchSize (patch_size)', stage.patchSize, hf.patchSize],
    ['dim (hidden_size)', stage.dim, hf.dim],
    ['depth (num_hidden_layers)', stage.depth, hf.depth],
    ['heads (num_attention_heads)', stage.heads, hf.heads],
    ['mlpDim (intermediate_size)', stage.mlpDim, hf.mlpDim],
    ['qkvBias (qkv_bias)', stage.qkvBias, hf.qkvBias],
    ['layerNormEps (layer_norm_eps)', stage.layerNormEps, hf.layerNormEps],
    ['channels (num_channels)', 3, hf.channels],
  ];
  const clashes = checks
    .filter(([, a, b]) => a !== b)
    .map(([k, a, b]) => `${k}: stage ${quote(a)}, checkpoint ${quote(b)}`);
  if (hf.imageSize % hf.patchSize !== 0)
    clashes.push(`image_size ${hf.imageSize} is not a multiple of patch_size ${hf.patchSize}`);
  if (clashes.length > 0) {
    throw new VlakitError(
      'checkpoint',
      `${join(dir, 'config.json')} does not match the stage's options:\n  ${clashes.join('\n  ')}\n  (set the stage option hfCheckpoint: ${quote(dir)} to take the architecture from it)`,
    );
  }
  const rows = keyMap(hf);
  const source = join(dir, 'model.safetensors');
  const file = readSafetensorsFile(source);
  const expected: ExpectedCheckpointTensor[] = rows.map((r) => ({ key: r.key, shape: r.shape }));
  const taken = takeCheckpointTensors(file, source, expected, { prefixes: ['vit.'], ignore: IGNORED });
  const values = new Map<string, Float32Array>();
  const notes: string[] = [];
  for (const r of rows) {
    let data = taken.values.get(r.key)!;
    if (r.variable === 'patch/kernel') data = convWeightToPatchKernel(data, hf.dim, 3, hf.patchSize);
    else if (r.linear) data = transposeMatrix(data, r.shape[0]!, r.shape[1]!);
    else if (r.variable === 'position' && hf.imageSize !== stage.imageSize) {
      const from = hf.imageSize / hf.patchSize;
      const to = gridSide(stage);
      const grid = interpolatePositionGrid(
        data.subarray(hf.dim),
        from,
        from,
        hf.dim,
        to,
        to,
        stage.positionInterpolation,
      );
      const resized = new Float32Array((to * to + 1) * hf.dim);
      resized.set(data.subarray(0, hf.dim)); // the class token's position is kept
      resized.set(grid, hf.dim);
      data = resized;
      notes.push(
        `position embeddings resized ${from}x${from} -> ${to}x${to} (${stage.positionInterpolation}) for image size ${stage.imageSize} (checkpoint ${hf.imageSize})`,
      );
    }
    values.set(r.variable, data);
  }
  if (taken.prefix) notes.push(`stripped key prefix ${quote(taken.prefix)}`);
  if (taken.ignored.length > 0)
    notes.push(`ignored ${taken.ignored.length} head tensors: ${taken.ignored.join(', ')}`);
  return { values, report: { loaded: [...values.keys()], notes } };
}
