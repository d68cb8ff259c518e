import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { decodeImage, imageFormat } from './image-decode.js';
import { formatPathTemplate } from './path-template.js';

const W = 3;
const H = 2;
const rgb = Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 37) % 256);

describe('decodeImage', () => {
  it('PNG RGB, RGBA (alpha dropped), grey, grey+alpha and 16-bit all become 8-bit RGB', () => {
    expect(decodeImage(encodePng({ width: W, height: H, data: rgb, channels: 3 }), 'x')).toEqual({
      width: W,
      height: H,
      data: rgb,
    });
    const rgba = new Uint8Array(W * H * 4).map((_, i) => (i % 4 === 3 ? 7 : rgb[(i >> 2) * 3 + (i % 4)]!));
    expect(decodeImage(encodePng({ width: W, height: H, data: rgba, channels: 4 }), 'x').data).toEqual(rgb);
    const grey = Uint8Array.from([0, 50, 100, 150, 200, 250]);
    const greyRgb = Uint8Array.from(Array.from(grey).flatMap((g) => [g, g, g]));
    expect(decodeImage(encodePng({ width: W, height: H, data: grey, channels: 1 }), 'x').data).toEqual(
      greyRgb,
    );
    const greyAlpha = Uint8Array.from(Array.from(grey).flatMap((g) => [g, 255]));
    expect(decodeImage(encodePng({ width: W, height: H, data: greyAlpha, channels: 2 }), 'x').data).toEqual(
      greyRgb,
    );
    const deep = Uint16Array.from(rgb, (v) => v * 257);
    expect(
      decodeImage(encodePng({ width: W, height: H, data: deep, channels: 3, depth: 16 }), 'x').data,
    ).toEqual(rgb);
  });

  it('JPEG decodes to RGB close to the source', () => {
    const flat = new Uint8Array(8 * 8 * 4).map((_, i) => (i % 4 === 3 ? 255 : [200, 100, 50][i % 4]!));
    const img = decodeImage(new Uint8Array(jpeg.encode({ width: 8, height: 8, data: flat }, 95).data), 'x');
    expect([img.width, img.height, img.data.length]).toEqual([8, 8, 192]);
    for (let i = 0; i < 192; i++)
      expect(Math.abs(img.data[i]! - [200, 100, 50][i % 3]!)).toBeLessThanOrEqual(3);
  });

  it('names the image when bytes are not PNG/JPEG or are corrupt', () => {
    expect(imageFormat(Uint8Array.from([1, 2, 3]))).toBeUndefined();
    expect(() => decodeImage(Uint8Array.from([1, 2, 3, 4]), 'episode 3 frame 9')).toThrow(
      /episode 3 frame 9: image bytes are neither PNG nor JPEG \(first bytes 01 02 03 04\)/,
    );
    const png = encodePng({ width: W, height: H, data: rgb, channels: 3 });
    expect(() => decodeImage(png.subarray(0, 20), 'frame 1')).toThrow(/frame 1: cannot decode PNG/);
  });
});

describe('formatPathTemplate', () => {
  it('fills {name} and {name:03d}, and names an unknown placeholder', () => {
    expect(
      formatPathTemplate(
        'data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet',
        { chunk_index: 2, file_index: 11 },
        'x',
      ),
    ).toBe('data/chunk-002/file-011.parquet');
    expect(
      formatPathTemplate('videos/{video_key}/f-{file_index}.mp4', { video_key: 'cam', file_index: 1 }, 'x'),
    ).toBe('videos/cam/f-1.mp4');
    expect(() =>
      formatPathTemplate('data/{episode_chunk:03d}.parquet', { chunk_index: 0 }, 'meta/info.json data_path'),
    ).toThrow(
      /meta\/info\.json data_path: path template "data\/\{episode_chunk:03d\}\.parquet" uses \{episode_chunk\}, expected one of chunk_index/,
    );
  });
});
