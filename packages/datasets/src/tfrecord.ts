import { readFileSync } from 'node:fs';
import { datasetError } from './dataset-error.js';

/** CRC-32C (Castagnoli) table, as TFRecord framing uses. */
const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC32C_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15 and add a constant. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/**
 * Splits TFRecord bytes into records, checking both CRCs of each:
 * uint64 length, uint32 masked CRC of the length, payload, uint32 masked CRC of the payload.
 */
export function parseTfRecords(bytes: Uint8Array, where: string): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    if (pos + 12 > bytes.length) {
      throw datasetError(`${where}: truncated TFRecord header at byte ${pos} (record ${out.length})`, {
        offset: pos,
      });
    }
    const length = Number(view.getBigUint64(pos, true));
    const lengthCrc = view.getUint32(pos + 8, true);
    if (maskedCrc32c(bytes.subarray(pos, pos + 8)) !== lengthCrc) {
      throw datasetError(
        `${where}: length CRC mismatch at byte ${pos} (record ${out.length}); the file is corrupt or not a TFRecord`,
        {
          offset: pos,
        },
      );
    }
    const start = pos + 12;
    if (start + length + 4 > bytes.length) {
      throw datasetError(
        `${where}: record ${out.length} at byte ${pos} claims ${length} bytes but the file ends first`,
        { offset: pos },
      );
    }
    const payload = bytes.subarray(start, start + length);
    if (maskedCrc32c(payload) !== view.getUint32(start + length, true)) {
      throw datasetError(
        `${where}: data CRC mismatch in record ${out.length} at byte ${pos}; the file is corrupt`,
        { offset: pos },
      );
    }
    out.push(payload);
    pos = start + length + 4;
  }
  return out;
}

/** Reads and splits a TFRecord file (uncompressed). */
export function readTfRecordFile(path: string): Uint8Array[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw datasetError(
      `TFRecord file ${path} is missing or unreadable (${(cause as NodeJS.ErrnoException).code ?? ''})`,
      { path },
      { cause },
    );
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw datasetError(`TFRecord file ${path} is gzip-compressed; decompress it first (gunzip)`, { path });
  }
  return parseTfRecords(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}

/** Frames records as TFRecord bytes (for tests and exports). */
export function encodeTfRecords(records: readonly Uint8Array[]): Uint8Array {
  const total = records.reduce((n, r) => n + r.length + 16, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let pos = 0;
  for (const r of records) {
    view.setBigUint64(pos, BigInt(r.length), true);
    view.setUint32(pos + 8, maskedCrc32c(out.subarray(pos, pos + 8)), true);
    out.set(r, pos + 12);
    view.setUint32(pos + 12 + r.length, maskedCrc32c(r), true);
    pos += r.length + 16;
  }
  return out;
}
