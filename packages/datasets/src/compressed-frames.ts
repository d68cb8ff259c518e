import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { datasetError } from './dataset-error.js';
import type { ImageFeature } from './episode-dataset.js';

/*
 * Image frames kept compressed in memory (`imageMemory: compressed`): each decoded (H, W, 3)
 * frame is deflated with node:zlib at level 1 when the dataset is opened and inflated when a
 * batch takes it. Rendered tabletop frames shrink about 30x (12,288 -> ~400 bytes at 64x64), so
 * 100k frames hold ~40 MB instead of 1.3 GB; inflating costs tens of microseconds per frame,
 * against hundreds for decoding the PNG again.
 */

/** How image frames are held in memory (`data.imageMemory`). */
export type ImageMemory = 'decoded' | 'compressed';

/** Deflates one decoded (H, W, 3) frame into bytes that own their buffer. */
export function compressFrame(rgb: Uint8Array): Uint8Array {
  // zlib returns a view into its 16 KB output chunk: copy the bytes into a buffer of their own size
  return new Uint8Array(deflateRawSync(rgb, { level: 1 }));
}

/** Frame `row` of an image feature as (H, W, 3) uint8, inflated when the feature is compressed. */
export function imageFrame(feature: ImageFeature, row: number): Uint8Array {
  const size = feature.height * feature.width * 3;
  if (feature.data) return feature.data.subarray(row * size, (row + 1) * size); // (H, W, 3)
  const bytes = feature.compressed?.[row];
  if (bytes === undefined) {
    throw datasetError(`image feature "${feature.key}" has no frame ${row}`, { key: feature.key, row });
  }
  const rgb = inflateRawSync(bytes); // (H, W, 3)
  if (rgb.length !== size) {
    throw datasetError(
      `image feature "${feature.key}" frame ${row} inflates to ${rgb.length} bytes, expected ${feature.height}x${feature.width}x3 = ${size}`,
      { key: feature.key, row },
    );
  }
  return new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.length); // a plain view, not a Buffer
}

/** `n` zeroed bytes in a SharedArrayBuffer: decoded frames a worker thread can read without a copy. */
export function sharedBytes(n: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(n));
}
