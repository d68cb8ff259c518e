import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { datasetError } from './dataset-error.js';

/** One `tf.train.Feature`: a list of bytes, floats or int64s. */
export type TfFeature =
  | { kind: 'bytes'; value: Uint8Array[] }
  | { kind: 'float'; value: Float32Array }
  | { kind: 'int64'; value: bigint[] };

/** A decoded `tf.train.Example`: feature name -> values. */
export type TfExample = Map<string, TfFeature>;

/**
 * Decodes a `tf.train.Example` (Example{features=1} > Features{map<string, Feature> feature=1} >
 * Feature{bytes_list=1 | float_list=2 | int64_list=3}) with @bufbuild/protobuf's wire reader.
 */
export function decodeTfExample(bytes: Uint8Array, where: string): TfExample {
  const out: TfExample = new Map();
  try {
    const ex = new BinaryReader(bytes);
    while (ex.pos < ex.len) {
      const [no, wt] = ex.tag();
      if (no !== 1 || wt !== WireType.LengthDelimited) {
        ex.skip(wt, no);
        continue;
      }
      const features = new BinaryReader(ex.bytes());
      while (features.pos < features.len) {
        const [fno, fwt] = features.tag();
        if (fno !== 1 || fwt !== WireType.LengthDelimited) {
          features.skip(fwt, fno);
          continue;
        }
        const entry = new BinaryReader(features.bytes());
        let key = '';
        let feature: TfFeature | undefined;
        while (entry.pos < entry.len) {
          const [eno, ewt] = entry.tag();
          if (eno === 1 && ewt === WireType.LengthDelimited) key = entry.string();
          else if (eno === 2 && ewt === WireType.LengthDelimited) feature = decodeFeature(entry.bytes());
          else entry.skip(ewt, eno);
        }
        out.set(key, feature ?? { kind: 'bytes', value: [] });
      }
    }
  } catch (cause) {
    throw datasetError(`${where}: not a valid tf.train.Example: ${(cause as Error).message}`, {}, { cause });
  }
  return out;
}

function decodeFeature(bytes: Uint8Array): TfFeature {
  const r = new BinaryReader(bytes);
  let feature: TfFeature = { kind: 'bytes', value: [] };
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (wt !== WireType.LengthDelimited || no < 1 || no > 3) {
      r.skip(wt, no);
      continue;
    }
    const list = new BinaryReader(r.bytes());
    if (no === 1) {
      const value: Uint8Array[] = [];
      while (list.pos < list.len) {
        const [, lwt] = list.tag();
        if (lwt === WireType.LengthDelimited) value.push(list.bytes());
        else list.skip(lwt);
      }
      feature = { kind: 'bytes', value };
    } else if (no === 2) {
      const value: number[] = [];
      while (list.pos < list.len) {
        const [, lwt] = list.tag();
        if (lwt === WireType.LengthDelimited) {
          // packed
          const end = list.uint32() + list.pos;
          while (list.pos < end) value.push(list.float());
        } else if (lwt === WireType.Bit32) value.push(list.float());
        else list.skip(lwt);
      }
      feature = { kind: 'float', value: Float32Array.from(value) };
    } else {
      const value: bigint[] = [];
      while (list.pos < list.len) {
        const [, lwt] = list.tag();
        if (lwt === WireType.LengthDelimited) {
          const end = list.uint32() + list.pos;
          while (list.pos < end) value.push(BigInt(list.int64()));
        } else if (lwt === WireType.Varint) value.push(BigInt(list.int64()));
        else list.skip(lwt);
      }
      feature = { kind: 'int64', value };
    }
  }
  return feature;
}

/** Encodes a `tf.train.Example` (packed floats and int64s), e.g. to write test files. */
export function encodeTfExample(features: Record<string, TfFeature>): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, WireType.LengthDelimited).fork(); // Example.features
  for (const [key, f] of Object.entries(features)) {
    w.tag(1, WireType.LengthDelimited).fork(); // map entry
    w.tag(1, WireType.LengthDelimited).string(key);
    w.tag(2, WireType.LengthDelimited).fork(); // Feature
    if (f.kind === 'bytes') {
      w.tag(1, WireType.LengthDelimited).fork();
      for (const b of f.value) w.tag(1, WireType.LengthDelimited).bytes(b);
      w.join();
    } else if (f.kind === 'float') {
      w.tag(2, WireType.LengthDelimited).fork();
      w.tag(1, WireType.LengthDelimited).fork();
      for (const x of f.value) w.float(x);
      w.join().join();
    } else {
      w.tag(3, WireType.LengthDelimited).fork();
      w.tag(1, WireType.LengthDelimited).fork();
      for (const x of f.value) w.int64(x);
      w.join().join();
    }
    w.join().join();
  }
  w.join();
  return w.finish();
}
