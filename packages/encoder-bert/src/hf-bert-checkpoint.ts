import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type PretrainedLoadReport,
  quote,
  readSafetensorsFile,
  takeCheckpointTensors,
  transposeMatrix,
  VlakitError,
} from '@vlakit/core';
import type { BertArchitecture, BertEncoderConfig } from './bert-encoder-config.js';
import { WordPieceTokenizer } from './wordpiece-tokenizer.js';

/** Reads `dir/config.json` (HF BertConfig); HF defaults fill absent fields. */
export function readHfBertConfig(dir: string): BertArchitecture {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) {
    throw new VlakitError(
      'checkpoint',
      `${path} not found: a Hugging Face BERT folder holds config.json, model.safetensors and vocab.txt or tokenizer.json`,
    );
  }
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw new VlakitError('checkpoint', `${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
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
  const posType = raw['position_embedding_type'] ?? 'absolute';
  if (posType !== 'absolute') {
    throw new VlakitError(
      'checkpoint',
      `${path}: position_embedding_type (${quote(posType)}) is not supported; only 'absolute'`,
    );
  }
  return {
    vocabSize: num('vocab_size', 30522),
    dim: num('hidden_size', 768),
    depth: num('num_hidden_layers', 12),
    heads: num('num_attention_heads', 12),
    mlpDim: num('intermediate_size', 3072),
    maxPositions: num('max_position_embeddings', 512),
    typeVocabSize: num('type_vocab_size', 2),
    layerNormEps: num('layer_norm_eps', 1e-12),
  };
}

interface Row {
  key: string;
  shape: number[];
  variable: string;
  linear?: boolean;
}

function keyMap(c: BertArchitecture): Row[] {
  const { dim, mlpDim } = c;
  const rows: Row[] = [
    { key: 'embeddings.word_embeddings.weight', shape: [c.vocabSize, dim], variable: 'embeddings/word' },
    {
      key: 'embeddings.position_embeddings.weight',
      shape: [c.maxPositions, dim],
      variable: 'embeddings/position',
    },
    {
      key: 'embeddings.token_type_embeddings.weight',
      shape: [c.typeVocabSize, dim],
      variable: 'embeddings/tokenType',
    },
    { key: 'embeddings.LayerNorm.weight', shape: [dim], variable: 'embeddings/ln/gamma' },
    { key: 'embeddings.LayerNorm.bias', shape: [dim], variable: 'embeddings/ln/beta' },
  ];
  for (let i = 0; i < c.depth; i++) {
    const h = `encoder.layer.${i}`;
    const b = `block${i}`;
    const linear = (key: string, out: number, inp: number, variable: string) => {
      rows.push({ key: `${key}.weight`, shape: [out, inp], variable: `${variable}/kernel`, linear: true });
      rows.push({ key: `${key}.bias`, shape: [out], variable: `${variable}/bias` });
    };
    const norm = (key: string, variable: string) => {
      rows.push({ key: `${key}.weight`, shape: [dim], variable: `${variable}/gamma` });
      rows.push({ key: `${key}.bias`, shape: [dim], variable: `${variable}/beta` });
    };
    for (const proj of ['query', 'key', 'value'])
      linear(`${h}.attention.self.${proj}`, dim, dim, `${b}/attn/${proj}`);
    linear(`${h}.attention.output.dense`, dim, dim, `${b}/attn/output`);
    norm(`${h}.attention.output.LayerNorm`, `${b}/ln1`);
    linear(`${h}.intermediate.dense`, mlpDim, dim, `${b}/mlp/fc1`);
    linear(`${h}.output.dense`, dim, mlpDim, `${b}/mlp/fc2`);
    norm(`${h}.output.LayerNorm`, `${b}/ln2`);
  }
  return rows;
}

/** Keys a BERT checkpoint may hold that the encoder does not use (heads, pooler, buffers). */
const IGNORED = [/^pooler\./, /^cls\./, /^classifier\./, /^qa_outputs\./, /^embeddings\.position_ids$/];
/** Old TF-converted checkpoints name LayerNorm weights gamma/beta. */
const ALIASES: ReadonlyArray<readonly [RegExp, string]> = [
  [/LayerNorm\.gamma$/, 'LayerNorm.weight'],
  [/LayerNorm\.beta$/, 'LayerNorm.bias'],
];

/**
 * Reads a Hugging Face BERT checkpoint folder into the encoder's variable layout:
 * - config.json must agree with the stage (vocab size, width, depth, heads, MLP width, position
 *   and token-type table sizes, LayerNorm epsilon);
 * - a vocab.txt / tokenizer.json beside it must hold the stage tokenizer's vocabulary;
 * - model.safetensors keys as HF's BertModel writes them, optionally under `bert.`; pooler,
 *   pre-training and task heads and the position_ids buffer are ignored;
 * - torch Linear weights (out, in) are transposed to kernels (in, out).
 */
export function loadHfBertCheckpoint(
  dir: string,
  stage: BertEncoderConfig,
  tokenizer: WordPieceTokenizer,
): { values: Map<string, Float32Array>; report: PretrainedLoadReport } {
  const hf = readHfBertConfig(dir);
  const fields: Array<[keyof BertArchitecture, string]> = [
    ['vocabSize', 'vocab_size'],
    ['dim', 'hidden_size'],
    ['depth', 'num_hidden_layers'],
    ['heads', 'num_attention_heads'],
    ['mlpDim', 'intermediate_size'],
    ['maxPositions', 'max_position_embeddings'],
    ['typeVocabSize', 'type_vocab_size'],
    ['layerNormEps', 'layer_norm_eps'],
  ];
  const clashes = fields
    .filter(([k]) => stage[k] !== hf[k])
    .map(([k, h]) => `${k} (${h}): stage ${quote(stage[k])}, checkpoint ${quote(hf[k])}`);
  if (clashes.length > 0) {
    throw new VlakitError(
      'checkpoint',
      `${join(dir, 'config.json')} does not match the stage's options:\n  ${clashes.join('\n  ')}\n  (set the stage option hfCheckpoint: ${quote(dir)} to take the architecture and tokenizer from it)`,
    );
  }
  const notes: string[] = [];
  if (existsSync(join(dir, 'tokenizer.json')) || existsSync(join(dir, 'vocab.txt'))) {
    const theirs = WordPieceTokenizer.fromDir(dir, { maxLength: stage.maxLength }).vocabulary();
    const ours = tokenizer.vocabulary();
    const firstDiff = theirs.findIndex((t, i) => t !== ours[i]);
    if (theirs.length !== ours.length || firstDiff >= 0) {
      throw new VlakitError(
        'checkpoint',
        `${dir}: its vocabulary (${theirs.length} tokens) differs from the stage tokenizer's (${ours.length} tokens)${firstDiff >= 0 ? `, first at id ${firstDiff}: ${quote(theirs[firstDiff])} vs ${quote(ours[firstDiff])}` : ''}; create the stage with hfCheckpoint: ${quote(dir)}`,
      );
    }
  } else notes.push(`${dir} has no vocab.txt or tokenizer.json; the stage tokenizer is kept`);
  const rows = keyMap(hf);
  const source = join(dir, 'model.safetensors');
  const taken = takeCheckpointTensors(
    readSafetensorsFile(source),
    source,
    rows.map((r) => ({ key: r.key, shape: r.shape })),
    { prefixes: ['bert.'], ignore: IGNORED, aliases: ALIASES },
  );
  const values = new Map<string, Float32Array>();
  for (const r of rows) {
    const data = taken.values.get(r.key)!;
    values.set(r.variable, r.linear ? transposeMatrix(data, r.shape[0]!, r.shape[1]!) : data);
  }
  if (taken.prefix) notes.push(`stripped key prefix ${quote(taken.prefix)}`);
  if (taken.ignored.length > 0)
    notes.push(`ignored ${taken.ignored.length} tensors: ${taken.ignored.join(', ')}`);
  return { values, report: { loaded: [...values.keys()], notes } };
}
