import { quote, VlakitError } from './errors.js';
import { type SafetensorsFile, toFloat32 } from './safetensors.js';

/** A tensor a model expects from a checkpoint: its key (without prefix) and shape. */
export interface ExpectedCheckpointTensor {
  readonly key: string;
  readonly shape: readonly number[];
}

export interface TakeCheckpointOptions {
  /** Key prefixes to strip (e.g. 'vit.' of ViTForImageClassification); tried in order. */
  readonly prefixes?: readonly string[];
  /** Keys (after stripping) that may be present and are ignored (task heads, poolers, buffers). */
  readonly ignore?: readonly RegExp[];
  /** Alternative spellings of keys (e.g. old BERT 'LayerNorm.gamma' for 'LayerNorm.weight'). */
  readonly aliases?: ReadonlyArray<readonly [RegExp, string]>;
}

export interface TakenCheckpoint {
  /** Values by expected key, as float32. */
  readonly values: ReadonlyMap<string, Float32Array>;
  /** Shapes by expected key. */
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  /** Keys present in the file that were ignored (after prefix stripping). */
  readonly ignored: readonly string[];
  /** The prefix that was stripped ('' when none). */
  readonly prefix: string;
}

/**
 * Matches a checkpoint's tensors against the keys and shapes a model expects. Every problem
 * (missing keys, unexpected keys, shape mismatches) is reported in one checkpoint error.
 * A shape of -1 in an expected shape matches any size (e.g. position tables to interpolate).
 */
export function takeCheckpointTensors(
  file: SafetensorsFile,
  source: string,
  expected: readonly ExpectedCheckpointTensor[],
  options: TakeCheckpointOptions = {},
): TakenCheckpoint {
  const prefixes = options.prefixes ?? [];
  const keys = [...file.tensors.keys()];
  const wanted = new Set(expected.map((e) => e.key));
  const normalise = (key: string, prefix: string): string => {
    let k = prefix && key.startsWith(prefix) ? key.slice(prefix.length) : key;
    for (const [from, to] of options.aliases ?? []) k = k.replace(from, to);
    return k;
  };
  // the prefix that makes the most keys known wins ('' included)
  let prefix = '';
  let best = keys.filter((k) => wanted.has(normalise(k, ''))).length;
  for (const p of prefixes) {
    const hits = keys.filter((k) => k.startsWith(p) && wanted.has(normalise(k, p))).length;
    if (hits > best) {
      best = hits;
      prefix = p;
    }
  }
  const byKey = new Map<string, string>();
  const unexpected: string[] = [];
  const ignored: string[] = [];
  for (const raw of keys) {
    const k = normalise(raw, prefix);
    if (wanted.has(k)) byKey.set(k, raw);
    else if ((options.ignore ?? []).some((r) => r.test(k))) ignored.push(raw);
    else unexpected.push(raw);
  }
  const missing: string[] = [];
  const misShaped: string[] = [];
  for (const e of expected) {
    const raw = byKey.get(e.key);
    if (raw === undefined) {
      missing.push(prefix + e.key);
      continue;
    }
    const shape = file.tensors.get(raw)!.shape;
    const ok = shape.length === e.shape.length && e.shape.every((d, i) => d === -1 || d === shape[i]);
    if (!ok) misShaped.push(`${raw}: expected ${quote(e.shape)}, got ${quote(shape)}`);
  }
  if (missing.length + unexpected.length + misShaped.length > 0) {
    const parts: string[] = [];
    if (missing.length > 0) parts.push(`missing keys (${missing.length}): ${missing.join(', ')}`);
    if (unexpected.length > 0) parts.push(`unexpected keys (${unexpected.length}): ${unexpected.join(', ')}`);
    if (misShaped.length > 0) parts.push(`mis-shaped keys (${misShaped.length}): ${misShaped.join('; ')}`);
    throw new VlakitError('checkpoint', `${source} does not fit the model:\n  ${parts.join('\n  ')}`, {
      details: { missing, unexpected, misShaped },
    });
  }
  const values = new Map<string, Float32Array>();
  const shapes = new Map<string, readonly number[]>();
  for (const e of expected) {
    const t = file.tensors.get(byKey.get(e.key)!)!;
    values.set(e.key, toFloat32(t));
    shapes.set(e.key, t.shape);
  }
  return { values, shapes, ignored, prefix };
}

/** Transposes a row-major (rows, cols) matrix, e.g. a torch Linear weight (Out, In) to a kernel (In, Out). */
export function transposeMatrix(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c]!;
  return out;
}
