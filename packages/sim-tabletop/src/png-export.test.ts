import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { encodePng, filmstrip, writeFilmstripPng } from './png-export.js';
import { TabletopEnv } from './tabletop-env.js';
import { sampleReset } from './tasks.js';

describe('PNG export', () => {
  it('encodes frames losslessly and lays out filmstrips', () => {
    const env = new TabletopEnv(sampleReset('block2block', 4, 2));
    const frame = env.render();
    const png = encodePng(frame, 64, 64);
    expect(Array.from(png.subarray(1, 4))).toEqual([80, 78, 71]);
    // the bytes own their buffer: posting them from a worker copies only the PNG, not a larger pool
    expect([png.byteOffset, png.buffer.byteLength]).toEqual([0, png.length]);
    expect(png.length).toBeLessThan(4096);
    const back = decode(png);
    expect([back.width, back.height, back.channels]).toEqual([64, 64, 3]);
    expect(Buffer.from(back.data as Uint8Array).equals(Buffer.from(frame))).toBe(true);
    const strip = filmstrip([frame, frame, frame], 64, 64);
    expect([strip.width, strip.height]).toEqual([194, 64]);
    const path = join(mkdtempSync(join(tmpdir(), 'strip-')), 'a/strip.png');
    writeFilmstripPng(path, [frame, frame], 64, 64);
    expect(decode(readFileSync(path)).width).toBe(129);
    expect(() => encodePng(frame, 32, 32)).toThrow(/expected 32x32x3/);
  });
});
