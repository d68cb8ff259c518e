import { decode as decodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { datasetError } from './dataset-error.js';

/** A decoded image: `data` is row-major (H, W, 3) RGB, 8 bits per channel. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array; // (H, W, 3)
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47];

/** Which encoded image format `bytes` hold, from their magic number. */
export function imageFormat(bytes: Uint8Array): 'png' | 'jpeg' | undefined {
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'jpeg';
  return undefined;
}

/**
 * Decodes PNG (fast-png) or JPEG (jpeg-js) bytes into 8-bit RGB. Grey, grey+alpha, RGBA,
 * palette and 16-bit PNGs are converted; alpha is dropped. `where` names the image in errors.
 */
export function decodeImage(bytes: Uint8Array, where: string): RgbImage {
  const format = imageFormat(bytes);
  if (format === 'jpeg') {
    try {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
      return { width: img.width, height: img.height, data: img.data };
    } catch (cause) {
      throw datasetError(`${where}: cannot decode JPEG: ${(cause as Error).message}`, {}, { cause });
    }
  }
  if (format !== 'png') {
    const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw datasetError(`${where}: image bytes are neither PNG nor JPEG (first bytes ${head || '(empty)'})`, {
      length: bytes.length,
    });
  }
  let png: ReturnType<typeof decodePng>;
  try {
    png = decodePng(bytes);
  } catch (cause) {
    throw datasetError(`${where}: cannot decode PNG: ${(cause as Error).message}`, {}, { cause });
  }
  const { width, height } = png;
  const n = width * height;
  const out = new Uint8Array(n * 3); // (H, W, 3)
  if (png.palette) {
    const src = png.data;
    for (let i = 0; i < n; i++) {
      const c = png.palette[src[i]!] ?? [0, 0, 0];
      out[i * 3] = c[0]!;
      out[i * 3 + 1] = c[1]!;
      out[i * 3 + 2] = c[2]!;
    }
    return { width, height, data: out };
  }
  const ch = png.channels;
  const src = png.data;
  const shift = png.depth === 16 ? 8 : 0;
  if (png.depth !== 8 && png.depth !== 16) {
    throw datasetError(`${where}: PNG bit depth ${png.depth} is not supported (8 or 16 expected)`);
  }
  for (let i = 0; i < n; i++) {
    if (ch >= 3) {
      out[i * 3] = src[i * ch]! >> shift;
      out[i * 3 + 1] = src[i * ch + 1]! >> shift;
      out[i * 3 + 2] = src[i * ch + 2]! >> shift;
    } else {
      const g = src[i * ch]! >> shift;
      out[i * 3] = g;
      out[i * 3 + 1] = g;
      out[i * 3 + 2] = g;
    }
  }
  return { width, height, data: out };
}
