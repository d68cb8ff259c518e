import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write.js';
import { quote, VlakitError } from './errors.js';

/*
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N,
 * N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {k: v}},
 * then the data buffer, which the tensors index entirely and without overlap.
 * Everything is validated before any tensor-sized allocation.
 */

export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const BYTES: Record<SafetensorsDType, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};
/** Largest header accepted (the reference implementation's limit). */
const MAX_HEADER = 100_000_000;

export interface SafetensorsTensor {
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  /** The raw little-endian bytes (a view into the file buffer). */
  readonly bytes: Uint8Array;
}

export interface SafetensorsFile {
  readonly tensors: ReadonlyMap<string, SafetensorsTensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

function fail(source: string, message: string): never {
  throw new VlakitError('checkpoint', `${source}: invalid safetensors file: ${message}`);
}

/** Parses safetensors bytes; `source` names the file in errors. */
export function parseSafetensors(buffer: Uint8Array, source = 'buffer'): SafetensorsFile {
  if (buffer.byteLength < 8)
    fail(source, `${buffer.byteLength} bytes is too short for the 8-byte header length`);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(Math.min(MAX_HEADER, buffer.byteLength - 8))) {
    fail(
      source,
      `header length ${headerLen} exceeds the file (${buffer.byteLength} bytes) or the ${MAX_HEADER}-byte limit`,
    );
  }
  const n = Number(headerLen);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(8, 8 + n)));
  } catch (e) {
    fail(source, `header is not UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    fail(source, 'header is not a JSON object');
  const dataStart = 8 + n;
  const dataLen = buffer.byteLength - dataStart;
  const tensors = new Map<string, SafetensorsTensor>();
  let metadata: Record<string, string> = {};
  const spans: Array<[number, number, string]> = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (
        typeof info !== 'object' ||
        info === null ||
        Object.values(info).some((v) => typeof v !== 'string')
      ) {
        fail(source, '__metadata__ must map strings to strings');
      }
      metadata = info as Record<string, string>;
      continue;
    }
    const t = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof t !== 'object' || t === null) fail(source, `entry ${quote(name)} is not an object`);
    if (typeof t.dtype !== 'string' || !(t.dtype in BYTES)) {
      fail(
        source,
        `tensor ${quote(name)} has dtype ${quote(t.dtype)}; expected one of ${Object.keys(BYTES).join(', ')}`,
      );
    }
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(
        source,
        `tensor ${quote(name)} has shape ${quote(t.shape)}; expected an array of non-negative integers`,
      );
    }
    const offs = t.data_offsets;
    if (
      !Array.isArray(offs) ||
      offs.length !== 2 ||
      !offs.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offs[0] > offs[1]
    ) {
      fail(
        source,
        `tensor ${quote(name)} has data_offsets ${quote(offs)}; expected [begin, end] with 0 <= begin <= end`,
      );
    }
    const [begin, end] = offs as [number, number];
    if (end > dataLen)
      fail(source, `tensor ${quote(name)} ends at ${end}, past the ${dataLen}-byte data buffer`);
    const dtype = t.dtype as SafetensorsDType;
    const expected = (t.shape as number[]).reduce((a, b) => a * b, 1) * BYTES[dtype];
    if (end - begin !== expected) {
      fail(
        source,
        `tensor ${quote(name)} ${dtype} ${quote(t.shape)} needs ${expected} bytes but data_offsets span ${end - begin}`,
      );
    }
    spans.push([begin, end, name]);
    tensors.set(name, {
      dtype,
      shape: t.shape as number[],
      bytes: buffer.subarray(dataStart + begin, dataStart + end),
    });
  }
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cursor = 0;
  for (const [begin, end, name] of spans) {
    if (begin < cursor) fail(source, `tensor ${quote(name)} overlaps another tensor's bytes`);
    if (begin > cursor) fail(source, `bytes ${cursor}..${begin} of the data buffer belong to no tensor`);
    cursor = end;
  }
  if (cursor !== dataLen) fail(source, `bytes ${cursor}..${dataLen} of the data buffer belong to no tensor`);
  return { tensors, metadata };
}

export function readSafetensorsFile(path: string): SafetensorsFile {
  let buffer: Uint8Array;
  try {
    buffer = readFileSync(path);
  } catch (cause) {
    throw new VlakitError('io', `cannot read ${quote(path)}: ${(cause as Error).message}`, { cause });
  }
  return parseSafetensors(buffer, path);
}

/** A tensor's values as float32 (F32, F16, BF16, F64 and integer dtypes convert). */
export function toFloat32(t: SafetensorsTensor): Float32Array {
  const count = t.bytes.byteLength / BYTES[t.dtype];
  const view = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    switch (t.dtype) {
      case 'F32':
        out[i] = view.getFloat32(i * 4, true);
        break;
      case 'F64':
        out[i] = view.getFloat64(i * 8, true);
        break;
      case 'F16':
        out[i] = halfToFloat(view.getUint16(i * 2, true));
        break;
      case 'BF16':
        out[i] = bf16ToFloat(view.getUint16(i * 2, true));
        break;
      case 'I64':
        out[i] = Number(view.getBigInt64(i * 8, true));
        break;
      case 'I32':
        out[i] = view.getInt32(i * 4, true);
        break;
      case 'I16':
        out[i] = view.getInt16(i * 2, true);
        break;
      case 'I8':
        out[i] = view.getInt8(i);
        break;
      case 'U8':
      case 'BOOL':
        out[i] = view.getUint8(i);
        break;
    }
  }
  return out;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function bf16ToFloat(b: number): number {
  const buf = new DataView(new ArrayBuffer(4));
  buf.setUint32(0, b << 16, false);
  return buf.getFloat32(0, false);
}

export interface TensorToWrite {
  readonly dtype: 'F32' | 'I32' | 'I64' | 'U8';
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array | BigInt64Array | Uint8Array;
}

/** Serialises tensors (sorted by name, 8-byte aligned header) into safetensors bytes. */
export function serializeSafetensors(
  tensors: ReadonlyMap<string, TensorToWrite> | Record<string, TensorToWrite>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const list: Array<[string, TensorToWrite]> =
    tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const entries = list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header['__metadata__'] = metadata;
  let offset = 0;
  for (const [name, t] of entries) {
    const count = t.shape.reduce((a: number, b: number) => a * b, 1);
    if (count !== t.data.length) {
      throw new VlakitError(
        'checkpoint',
        `tensor ${quote(name)}: shape ${quote(t.shape)} holds ${count} values, data has ${t.data.length}`,
      );
    }
    const size = t.data.byteLength;
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  while ((8 + new TextEncoder().encode(json).byteLength) % 8 !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

/** Writes a safetensors file atomically. */
export function writeSafetensorsFile(
  path: string,
  tensors: ReadonlyMap<string, TensorToWrite> | Record<string, TensorToWrite>,
  metadata: Record<string, string> = {},
): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}
