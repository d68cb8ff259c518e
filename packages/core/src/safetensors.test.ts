import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VlakitError } from './errors.js';
import {
  parseSafetensors,
  readSafetensorsFile,
  serializeSafetensors,
  toFloat32,
  writeSafetensorsFile,
} from './safetensors.js';

function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), lengthOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(data, 8 + json.byteLength);
  return out;
}

function expectInvalid(bytes: Uint8Array, fragment: string) {
  let caught: unknown;
  try {
    parseSafetensors(bytes, 'x.safetensors');
  } catch (e) {
    caught = e;
  }
  expect(VlakitError.isInstance(caught, 'checkpoint'), String(caught)).toBe(true);
  expect((caught as Error).message).toContain(fragment);
}

describe('safetensors', () => {
  it('round-trips tensors and metadata, with an 8-byte aligned header', () => {
    const a = { dtype: 'F32' as const, shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6.5]) };
    const b = { dtype: 'I32' as const, shape: [2], data: Int32Array.from([-1, 7]) };
    const bytes = serializeSafetensors({ b, a }, { format: 'pt' });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0);
    const file = parseSafetensors(bytes);
    expect(file.metadata).toEqual({ format: 'pt' });
    expect([...file.tensors.keys()].sort()).toEqual(['a', 'b']);
    expect(file.tensors.get('a')!.shape).toEqual([2, 3]);
    expect(Array.from(toFloat32(file.tensors.get('a')!))).toEqual([1, 2, 3, 4, 5, 6.5]);
    expect(Array.from(toFloat32(file.tensors.get('b')!))).toEqual([-1, 7]);
  });

  it('converts F16 and BF16 to float32', () => {
    // 1.5 in f16 = 0x3e00; -2 in bf16 = 0xc000
    const f16 = rawFile(
      {
        h: { dtype: 'F16', shape: [1], data_offsets: [0, 2] },
        g: { dtype: 'BF16', shape: [1], data_offsets: [2, 4] },
      },
      Uint8Array.from([0x00, 0x3e, 0x00, 0xc0]),
    );
    const file = parseSafetensors(f16);
    expect(toFloat32(file.tensors.get('h')!)[0]).toBe(1.5);
    expect(toFloat32(file.tensors.get('g')!)[0]).toBe(-2);
  });

  it('writes atomically (no temporary file left behind) and reads back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-'));
    const path = join(dir, 'model.safetensors');
    writeSafetensorsFile(path, { w: { dtype: 'F32', shape: [1], data: Float32Array.from([3]) } });
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
    expect(toFloat32(readSafetensorsFile(path).tensors.get('w')!)[0]).toBe(3);
    expect(() => readSafetensorsFile(join(dir, 'missing.safetensors'))).toThrow(/cannot read/);
  });

  it('rejects malformed files with a clear error, without huge allocations', () => {
    expectInvalid(new Uint8Array(4), 'too short');
    expectInvalid(rawFile({}, new Uint8Array(0), 2n ** 60n), 'exceeds the file');
    expectInvalid(rawFile({ abc: 1 }, new Uint8Array(0), 3n), 'not UTF-8 JSON');
    expectInvalid(rawFile([1, 2]), 'not a JSON object');
    expectInvalid(
      rawFile({ w: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)),
      'dtype "F33"',
    );
    expectInvalid(
      rawFile({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)),
      'shape [-1]',
    );
    expectInvalid(
      rawFile({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, new Uint8Array(4)),
      'data_offsets [4,0]',
    );
    expectInvalid(
      rawFile({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(4)),
      'past the 4-byte data buffer',
    );
    expectInvalid(
      rawFile({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)),
      'needs 8 bytes',
    );
    expectInvalid(
      rawFile(
        {
          a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
          b: { dtype: 'F32', shape: [1], data_offsets: [2, 6] },
        },
        new Uint8Array(8),
      ),
      'overlaps',
    );
    expectInvalid(
      rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(8)),
      'belong to no tensor',
    );
    expectInvalid(rawFile({ __metadata__: { a: 1 } }), '__metadata__ must map strings to strings');
  });

  it('refuses to serialise a shape that disagrees with the data', () => {
    expect(() =>
      serializeSafetensors({ w: { dtype: 'F32', shape: [3], data: new Float32Array(2) } }),
    ).toThrow(/shape \[3\] holds 3 values, data has 2/);
  });
});
