import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDataConfig } from './data-config.js';
import { openRldsDataset } from './rlds-reader.js';
import { decodeTfExample, encodeTfExample, type TfFeature } from './tf-example.js';
import { crc32c, encodeTfRecords, parseTfRecords } from './tfrecord.js';
import { prepareTrainingData } from './training-data.js';

const dir = mkdtempSync(join(tmpdir(), 'vlakit-rlds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const enc = new TextEncoder();
const SIZE = 16;

/** A flat grey-level image (JPEG keeps flat colours almost exactly). */
function jpegOf(level: number): Uint8Array {
  const data = new Uint8Array(SIZE * SIZE * 4).map((_, i) => (i % 4 === 3 ? 255 : level));
  return new Uint8Array(jpeg.encode({ width: SIZE, height: SIZE, data }, 95).data);
}

function episode(e: number, steps: number, instruction: string): Uint8Array {
  const f = (value: number[]): TfFeature => ({ kind: 'float', value: Float32Array.from(value) });
  const i64 = (value: number[]): TfFeature => ({ kind: 'int64', value: value.map(BigInt) });
  const range = Array.from({ length: steps }, (_, t) => t);
  return encodeTfExample({
    'steps/observation/image_0': { kind: 'bytes', value: range.map((t) => jpegOf(20 * t + 10 * e)) },
    'steps/observation/state': f(range.flatMap((t) => [e, t, -t])),
    'steps/action': f(range.flatMap((t) => [0.1 * t, -0.2 * e, 1, t % 2, 0.5, 0, 1])),
    'steps/language_instruction': { kind: 'bytes', value: range.map(() => enc.encode(instruction)) },
    'steps/is_first': i64(range.map((t) => (t === 0 ? 1 : 0))),
    'steps/is_last': i64(range.map((t) => (t === steps - 1 ? 1 : 0))),
    'steps/is_terminal': i64(range.map((t) => (t === steps - 1 && e !== 1 ? 1 : 0))),
    'episode_metadata/file_path': { kind: 'bytes', value: [enc.encode(`ep${e}`)] },
  });
}

describe('TFRecord framing', () => {
  it('crc32c matches the standard check value', () => {
    expect(crc32c(enc.encode('123456789'))).toBe(0xe3069283);
  });

  it('round-trips records and detects corruption', () => {
    const recs = [enc.encode('hello'), new Uint8Array(0), enc.encode('a longer record')];
    const bytes = encodeTfRecords(recs);
    expect(parseTfRecords(bytes, 'mem').map((r) => new TextDecoder().decode(r))).toEqual([
      'hello',
      '',
      'a longer record',
    ]);
    const bad = bytes.slice();
    bad[14] = bad[14]! ^ 1;
    expect(() => parseTfRecords(bad, 'mem')).toThrow(/mem: data CRC mismatch in record 0/);
    const badLen = bytes.slice();
    badLen[0] = badLen[0]! ^ 1;
    expect(() => parseTfRecords(badLen, 'mem')).toThrow(/length CRC mismatch at byte 0/);
    expect(() => parseTfRecords(bytes.subarray(0, bytes.length - 2), 'mem')).toThrow(
      /record 2 .* ends first/,
    );
  });

  it('tf.train.Example round-trips bytes, floats and int64', () => {
    const ex = decodeTfExample(
      encodeTfExample({
        a: { kind: 'bytes', value: [enc.encode('x'), enc.encode('yz')] },
        b: { kind: 'float', value: Float32Array.from([1.5, -2]) },
        c: { kind: 'int64', value: [3n, -4n, 2n ** 40n] },
      }),
      'mem',
    );
    expect(ex.get('a')).toEqual({ kind: 'bytes', value: [enc.encode('x'), enc.encode('yz')] });
    expect(ex.get('b')).toEqual({ kind: 'float', value: Float32Array.from([1.5, -2]) });
    expect(ex.get('c')).toEqual({ kind: 'int64', value: [3n, -4n, 2n ** 40n] });
  });
});

describe('openRldsDataset', () => {
  const file = join(dir, 'bridge-train.tfrecord-00000-of-00001');
  writeFileSync(
    file,
    encodeTfRecords([
      episode(0, 4, 'put carrot on plate'),
      episode(1, 3, 'open the drawer'),
      episode(2, 5, 'put carrot on plate'),
    ]),
  );

  it('reads steps into episodes with images, state, action, done and instructions', () => {
    const ds = openRldsDataset(dir);
    expect(ds.episodes.map((e) => [e.start, e.length, e.task])).toEqual([
      [0, 4, 'put carrot on plate'],
      [4, 3, 'open the drawer'],
      [7, 5, 'put carrot on plate'],
    ]);
    expect(ds.tasks).toEqual(['put carrot on plate', 'open the drawer']);
    const a = ds.getNumeric('action');
    expect(a.dim).toBe(7);
    expect(Array.from(a.data.subarray(7 * 5, 7 * 6))).toEqual(
      Array.from(Float32Array.from([0.1, -0.2, 1, 1, 0.5, 0, 1])),
    );
    expect(Array.from(ds.getNumeric('observation.state').data.subarray(3 * 5, 3 * 6))).toEqual([1, 1, -1]);
    // is_terminal is used: episode 1 ends without success
    expect(Array.from(ds.getNumeric('next.done').data)).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
    const img = ds.getImages('observation.image');
    expect([img.height, img.width]).toEqual([SIZE, SIZE]);
    // frame row r of episode e at step t is a flat grey 20 t + 10 e
    for (const [row, level] of [
      [0, 0],
      [3, 60],
      [5, 30],
      [9, 60],
      [11, 100],
    ] as const) {
      const px = img.data!.subarray(row * SIZE * SIZE * 3, (row + 1) * SIZE * SIZE * 3);
      for (const v of px) expect(Math.abs(v - level)).toBeLessThanOrEqual(3);
    }
  });

  it('feeds prepareTrainingData with format "rlds"', async () => {
    const data = await prepareTrainingData(
      parseDataConfig({ dir: file, format: 'rlds', chunkLength: 2, valFraction: 0.34 }),
      1,
    );
    const b = data.trainIterator(4).next();
    expect([b.height, b.actionDim, b.stateDim, b.chunkLength]).toEqual([SIZE, 7, 3, 2]);
  });

  it('errors: missing path, missing feature, inconsistent widths, corrupt file', () => {
    expect(() => openRldsDataset(join(dir, 'nope'))).toThrow(/RLDS path ".*nope" does not exist/);
    expect(() => openRldsDataset(file, { actionKey: 'steps/act' })).toThrow(
      /record 0: no feature "steps\/act"; features: /,
    );
    const odd = join(dir, 'odd.tfrecord');
    const broken = encodeTfExample({
      'steps/action': { kind: 'float', value: Float32Array.from([1, 2, 3]) },
      'steps/is_first': { kind: 'int64', value: [1n, 0n] },
    });
    writeFileSync(odd, encodeTfRecords([broken]));
    expect(() => openRldsDataset(odd)).toThrow(/feature "steps\/action" has 3 values for 2 steps/);
    const corrupt = join(dir, 'corrupt.tfrecord');
    const bytes = new Uint8Array(readFileSync(file));
    bytes[100] = bytes[100]! ^ 0xff;
    writeFileSync(corrupt, bytes);
    expect(() => openRldsDataset(corrupt)).toThrow(/data CRC mismatch in record 0/);
    rmSync(odd);
    rmSync(corrupt);
  });
});
