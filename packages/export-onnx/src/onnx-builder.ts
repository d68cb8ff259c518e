import { create, toBinary } from '@bufbuild/protobuf';
import {
  type AttributeProto,
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  GraphProtoSchema,
  type ModelProto,
  ModelProtoSchema,
  type NodeProto,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  StringStringEntryProtoSchema,
  type TensorProto,
  TensorProto_DataLocation,
  TensorProto_DataType,
  TensorProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  type ValueInfoProto,
  ValueInfoProtoSchema,
} from './gen/onnx_pb.js';

export const OPSET = 17;
export const IR_VERSION = 8;

/** Element types vlakit writes. */
export type OnnxDType = 'float32' | 'int32' | 'int64' | 'bool';

export const ONNX_DTYPE: Record<OnnxDType, TensorProto_DataType> = {
  float32: TensorProto_DataType.FLOAT,
  int32: TensorProto_DataType.INT32,
  int64: TensorProto_DataType.INT64,
  bool: TensorProto_DataType.BOOL,
};

/** A dimension: a size, or a named symbol such as 'batch'. */
export type OnnxDim = number | string;

export type AttrValue =
  | number
  | string
  | readonly number[]
  | { float: number }
  | { floats: readonly number[] }
  | TensorValue;

export interface TensorValue {
  readonly dtype: OnnxDType;
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array | BigInt64Array | Uint8Array;
}

const isTensorValue = (v: unknown): v is TensorValue =>
  typeof v === 'object' && v !== null && 'dtype' in v && 'data' in v && 'shape' in v;

/** Initializers at or above this many bytes go to the external data file when it is on. */
export const EXTERNAL_DATA_MIN_BYTES = 1024;

function tensorBytes(t: TensorValue): Uint8Array {
  const d = t.data;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice();
}

export function tensorProto(name: string, t: TensorValue): TensorProto {
  return create(TensorProtoSchema, {
    name,
    dims: t.shape.map((d) => BigInt(d)),
    dataType: ONNX_DTYPE[t.dtype],
    rawData: tensorBytes(t),
  });
}

function attribute(name: string, value: AttrValue): AttributeProto {
  const T = AttributeProto_AttributeType;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return create(AttributeProtoSchema, { name, type: T.FLOAT, f: value });
    return create(AttributeProtoSchema, { name, type: T.INT, i: BigInt(value) });
  }
  if (typeof value === 'string')
    return create(AttributeProtoSchema, { name, type: T.STRING, s: new TextEncoder().encode(value) });
  if (Array.isArray(value))
    return create(AttributeProtoSchema, { name, type: T.INTS, ints: value.map((v) => BigInt(v)) });
  if (isTensorValue(value))
    return create(AttributeProtoSchema, { name, type: T.TENSOR, t: tensorProto('', value) });
  if ('floats' in (value as object))
    return create(AttributeProtoSchema, {
      name,
      type: T.FLOATS,
      floats: [...(value as { floats: number[] }).floats],
    });
  return create(AttributeProtoSchema, { name, type: T.FLOAT, f: (value as { float: number }).float });
}

export function valueInfo(name: string, dtype: OnnxDType, shape: readonly OnnxDim[]): ValueInfoProto {
  return create(ValueInfoProtoSchema, {
    name,
    type: create(TypeProtoSchema, {
      value: {
        case: 'tensorType',
        value: create(TypeProto_TensorSchema, {
          elemType: ONNX_DTYPE[dtype],
          shape: create(TensorShapeProtoSchema, {
            dim: shape.map((d) =>
              create(TensorShapeProto_DimensionSchema, {
                value:
                  typeof d === 'number'
                    ? { case: 'dimValue', value: BigInt(d) }
                    : { case: 'dimParam', value: d },
              }),
            ),
          }),
        }),
      },
    }),
  });
}

/**
 * Collects nodes, named initializers and deduplicated constants, and writes an ONNX model
 * (opset 17, IR 8). Names are made unique; nodes must be added in topological order.
 */
export class OnnxGraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers = new Map<string, TensorValue>();
  readonly inputs: ValueInfoProto[] = [];
  readonly outputs: ValueInfoProto[] = [];
  private readonly used = new Set<string>();
  private readonly constCache = new Map<string, string>();
  private nodeCount = 0;

  /** A fresh value name starting with `hint`. */
  name(hint: string): string {
    let n = hint.replace(/[^A-Za-z0-9_./:-]/g, '_');
    if (this.used.has(n)) {
      let i = 1;
      while (this.used.has(`${n}_${i}`)) i++;
      n = `${n}_${i}`;
    }
    this.used.add(n);
    return n;
  }

  reserve(name: string): string {
    if (this.used.has(name)) throw new Error(`ONNX value name '${name}' is used twice`);
    this.used.add(name);
    return name;
  }

  input(name: string, dtype: OnnxDType, shape: readonly OnnxDim[]): string {
    this.reserve(name);
    this.inputs.push(valueInfo(name, dtype, shape));
    return name;
  }

  output(name: string, dtype: OnnxDType, shape: readonly OnnxDim[]): void {
    this.outputs.push(valueInfo(name, dtype, shape));
  }

  /** A named initializer (a variable). */
  initializer(name: string, value: TensorValue): string {
    this.reserve(name);
    this.initializers.set(name, value);
    return name;
  }

  /** A constant; equal constants share one initializer. */
  constant(value: TensorValue, hint = 'const'): string {
    const bytes = tensorBytes(value);
    let key = `${value.dtype}|${value.shape.join(',')}|`;
    if (bytes.length <= 4096) key += Buffer.from(bytes).toString('base64');
    else key += `${hint}#${this.initializers.size}`;
    const hit = this.constCache.get(key);
    if (hit !== undefined) return hit;
    const name = this.name(hint);
    this.initializers.set(name, value);
    this.constCache.set(key, name);
    return name;
  }

  int64s(values: readonly number[], hint = 'const_i64'): string {
    return this.constant(
      { dtype: 'int64', shape: [values.length], data: BigInt64Array.from(values.map((v) => BigInt(v))) },
      hint,
    );
  }

  scalar(value: number, dtype: OnnxDType = 'float32', hint = 'const_scalar'): string {
    const data =
      dtype === 'float32'
        ? Float32Array.of(value)
        : dtype === 'int32'
          ? Int32Array.of(value)
          : dtype === 'int64'
            ? BigInt64Array.of(BigInt(value))
            : Uint8Array.of(value ? 1 : 0);
    return this.constant({ dtype, shape: [], data }, hint);
  }

  /** Adds a node; returns its output names (fresh unless given). */
  node(
    op: string,
    inputs: readonly string[],
    outputs: readonly string[] | number = 1,
    attrs: Record<string, AttrValue | undefined> = {},
    nameHint = op,
  ): string[] {
    const outs =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, () => this.name(`${nameHint}_out`))
        : [...outputs];
    this.nodes.push(
      create(NodeProtoSchema, {
        name: `${nameHint}_${this.nodeCount++}`,
        opType: op,
        input: [...inputs],
        output: outs,
        attribute: Object.entries(attrs)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => attribute(k, v!)),
      }),
    );
    return outs;
  }

  /**
   * The model. With `externalData`, initializers of at least EXTERNAL_DATA_MIN_BYTES go to one
   * file (`location`, beside the model) whose bytes are returned too.
   */
  build(options: {
    graphName: string;
    producerVersion: string;
    docString?: string;
    metadata?: Record<string, string>;
    externalData?: { location: string };
  }): {
    model: ModelProto;
    externalBytes?: Uint8Array;
  } {
    const initializers: TensorProto[] = [];
    const chunks: Uint8Array[] = [];
    let offset = 0;
    for (const [name, value] of this.initializers) {
      const t = tensorProto(name, value);
      if (options.externalData && t.rawData.length >= EXTERNAL_DATA_MIN_BYTES) {
        const pad = (4096 - (offset % 4096)) % 4096;
        if (pad) chunks.push(new Uint8Array(pad));
        offset += pad;
        chunks.push(t.rawData);
        t.externalData = [
          create(StringStringEntryProtoSchema, { key: 'location', value: options.externalData.location }),
          create(StringStringEntryProtoSchema, { key: 'offset', value: String(offset) }),
          create(StringStringEntryProtoSchema, { key: 'length', value: String(t.rawData.length) }),
        ];
        t.dataLocation = TensorProto_DataLocation.EXTERNAL;
        offset += t.rawData.length;
        t.rawData = new Uint8Array(0);
      }
      initializers.push(t);
    }
    const model = create(ModelProtoSchema, {
      irVersion: BigInt(IR_VERSION),
      opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(OPSET) })],
      producerName: 'vlakit',
      producerVersion: options.producerVersion,
      docString: options.docString ?? '',
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) =>
        create(StringStringEntryProtoSchema, { key, value }),
      ),
      graph: create(GraphProtoSchema, {
        name: options.graphName,
        node: this.nodes,
        initializer: initializers,
        input: this.inputs,
        output: this.outputs,
      }),
    });
    if (!options.externalData) return { model };
    const ext = new Uint8Array(offset);
    let o = 0;
    for (const c of chunks) {
      ext.set(c, o);
      o += c.length;
    }
    return { model, externalBytes: ext };
  }
}

export function serializeModel(model: ModelProto): Uint8Array {
  return toBinary(ModelProtoSchema, model);
}
