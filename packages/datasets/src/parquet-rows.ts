import { readFileSync } from 'node:fs';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { datasetError } from './dataset-error.js';

/** One row of a parquet file as hyparquet returns it (binary columns as Uint8Array). */
export type ParquetRow = Record<string, unknown>;

/**
 * Reads every row of a parquet file (all codecs through hyparquet-compressors). Binary columns
 * without a UTF8 annotation stay `Uint8Array`; `what` describes the file in errors.
 */
export async function readParquetRows(path: string, what: string): Promise<ParquetRow[]> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw datasetError(
      `${what} ${path} is ${code === 'ENOENT' ? 'missing' : `unreadable (${code ?? (cause as Error).message})`}`,
      { path },
      { cause },
    );
  }
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  try {
    return (await parquetReadObjects({ file, compressors, utf8: false })) as ParquetRow[];
  } catch (cause) {
    throw datasetError(
      `${what} ${path} is not a readable parquet file: ${(cause as Error).message}`,
      { path },
      { cause },
    );
  }
}

/** A column value as a JS number (bigint, number or boolean), or undefined. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return undefined;
}

/** A column value as a string (utf8 bytes are decoded), or undefined. */
export function toText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  return undefined;
}
