import { type Dyn, dtypeOf, isDyn, type MapContext, normAxes } from './map-context.js';
import type { AttrValue, OnnxDType } from './onnx-builder.js';

/** Maps one traced tfjs kernel call to ONNX nodes. */
export type KernelMapper = (ctx: MapContext) => void;

const INT64_MAX = 9223372036854775807n;

const binary =
  (op: string): KernelMapper =>
  (c) => {
    c.node(op, [c.input(0), c.input(1)], [c.out()]);
  };

const unary =
  (op: string, attrs: (c: MapContext) => Record<string, AttrValue | undefined> = () => ({})): KernelMapper =>
  (c) => {
    c.node(op, [c.input(0)], [c.out()], attrs(c));
  };

const reduce =
  (op: string, axisAttr: string, axesAsInput: boolean): KernelMapper =>
  (c) => {
    const axes = normAxes(c.attr(axisAttr), c.shape(0).length);
    const keepdims = c.attr<boolean>('keepDims') ? 1 : 0;
    if (axes.length === 0) {
      c.node('Identity', [c.input(0)], [c.out()]);
      return;
    }
    if (axesAsInput) c.node(op, [c.input(0), c.builder.int64s(axes, 'axes')], [c.out()], { keepdims });
    else c.node(op, [c.input(0)], [c.out()], { axes, keepdims });
  };

function swapLast(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
  return perm;
}

function matMulInputs(c: MapContext): [string, string] {
  let a = c.input(0);
  let b = c.input(1);
  if (c.attr<boolean>('transposeA'))
    a = c.node('Transpose', [a], 1, { perm: swapLast(c.shape(0).length) })[0]!;
  if (c.attr<boolean>('transposeB'))
    b = c.node('Transpose', [b], 1, { perm: swapLast(c.shape(1).length) })[0]!;
  return [a, b];
}

function activation(c: MapContext, kind: string | null | undefined, x: string, out: string): void {
  switch (kind ?? 'linear') {
    case 'linear':
      c.node('Identity', [x], [out]);
      return;
    case 'relu':
      c.node('Relu', [x], [out]);
      return;
    case 'relu6':
      c.node('Clip', [x, c.builder.scalar(0), c.builder.scalar(6)], [out]);
      return;
    case 'elu':
      c.node('Elu', [x], [out], { alpha: { float: 1 } });
      return;
    case 'sigmoid':
      c.node('Sigmoid', [x], [out]);
      return;
    case 'leakyrelu':
      c.node('LeakyRelu', [x], [out], { alpha: { float: c.attr<number>('leakyreluAlpha') ?? 0.2 } });
      return;
    default:
      c.fail(
        `fused activation '${kind}' is not supported (linear, relu, relu6, elu, sigmoid, leakyrelu are)`,
      );
  }
}

/** Slice ends: a batch-dependent size that spans the whole axis runs to the end. */
function sliceParams(
  c: MapContext,
  begin: readonly Dyn[],
  size: readonly Dyn[],
): { starts: number[]; ends: bigint[] } {
  const shape = c.shape(0);
  const starts: number[] = [];
  const ends: bigint[] = [];
  for (let i = 0; i < shape.length; i++) {
    const b = begin[i] ?? 0;
    const s = size[i] ?? -1;
    if (isDyn(b)) c.fail(`a batch-dependent slice begin on axis ${i} is not supported`);
    starts.push(b);
    if (isDyn(s)) {
      if (b !== 0) c.fail(`a batch-dependent slice size on axis ${i} needs begin 0, got ${b}`);
      ends.push(INT64_MAX);
    } else ends.push(s === -1 ? INT64_MAX : BigInt(b + s));
  }
  return { starts, ends };
}

function int64Tensor(c: MapContext, values: readonly bigint[], hint: string): string {
  return c.builder.constant(
    { dtype: 'int64', shape: [values.length], data: BigInt64Array.from(values) },
    hint,
  );
}

function castTo(c: MapContext, x: string, from: OnnxDType, to: OnnxDType): string {
  if (from === to) return x;
  return c.node('Cast', [x], 1, { to: ({ float32: 1, int32: 6, int64: 7, bool: 9 } as const)[to] })[0]!;
}

export const ONNX_TYPE_CODE: Record<OnnxDType, number> = { float32: 1, int32: 6, int64: 7, bool: 9 };

/** tfjs kernel name -> ONNX mapping. A kernel not listed here fails the export. */
export const KERNEL_MAPPERS: Readonly<Record<string, KernelMapper>> = {
  Add: binary('Add'),
  Sub: binary('Sub'),
  Multiply: binary('Mul'),
  RealDiv: binary('Div'),
  Maximum: binary('Max'),
  Minimum: binary('Min'),
  Pow: binary('Pow'),
  Greater: binary('Greater'),
  GreaterEqual: binary('GreaterOrEqual'),
  Less: binary('Less'),
  LessEqual: binary('LessOrEqual'),
  Equal: binary('Equal'),
  LogicalAnd: binary('And'),
  LogicalOr: binary('Or'),
  NotEqual: (c) => {
    const eq = c.node('Equal', [c.input(0), c.input(1)], 1)[0]!;
    c.node('Not', [eq], [c.out()]);
  },
  LogicalNot: unary('Not'),
  SquaredDifference: (c) => {
    const d = c.node('Sub', [c.input(0), c.input(1)], 1)[0]!;
    c.node('Mul', [d, d], [c.out()]);
  },
  AddN: (c) => {
    c.node(
      'Sum',
      Array.from({ length: c.inputCount }, (_, i) => c.input(i)),
      [c.out()],
    );
  },
  Neg: unary('Neg'),
  Abs: unary('Abs'),
  Sqrt: unary('Sqrt'),
  Exp: unary('Exp'),
  Log: unary('Log'),
  Tanh: unary('Tanh'),
  Sigmoid: unary('Sigmoid'),
  Relu: unary('Relu'),
  Elu: unary('Elu', () => ({ alpha: { float: 1 } })),
  Selu: unary('Selu'),
  Erf: unary('Erf'),
  Floor: unary('Floor'),
  Ceil: unary('Ceil'),
  Round: unary('Round'),
  Sign: unary('Sign'),
  Sin: unary('Sin'),
  Cos: unary('Cos'),
  Reciprocal: unary('Reciprocal'),
  Softplus: unary('Softplus'),
  Identity: unary('Identity'),
  Tan: unary('Tan'),
  Log1p: (c) => {
    const one = c.builder.scalar(1, c.dtype(0));
    const y = c.node('Add', [c.input(0), one], 1)[0]!;
    c.node('Log', [y], [c.out()]);
  },
  ArgMin: (c) => {
    const [axis] = normAxes(c.attr('axis'), c.shape(0).length);
    const i64 = c.node('ArgMin', [c.input(0)], 1, { axis: axis!, keepdims: 0 })[0]!;
    c.node('Cast', [i64], [c.out()], { to: ONNX_TYPE_CODE.int32 });
  },
  FloorDiv: (c) => {
    if (c.dtype(0) !== 'float32') c.fail('integer floor division is not supported (float32 is)');
    const q = c.node('Div', [c.input(0), c.input(1)], 1)[0]!;
    const f = c.node('Floor', [q], 1)[0]!;
    c.node('Cast', [f], [c.out()], { to: ONNX_TYPE_CODE[c.outDtype()] });
  },
  PadV2: (c) => {
    const paddings = c.attr<number[][]>('paddings');
    const pads = [...paddings.map((p) => p[0]!), ...paddings.map((p) => p[1]!)];
    const value = c.builder.scalar(c.attr<number>('constantValue') ?? 0, c.dtype(0));
    c.node('Pad', [c.input(0), c.builder.int64s(pads, 'pads'), value], [c.out()], { mode: 'constant' });
  },
  OneHot: (c) => {
    const depth = c.builder.int64s([c.attr<number>('depth')], 'depth');
    const values = c.builder.constant(
      {
        dtype: 'float32',
        shape: [2],
        data: Float32Array.of(c.attr<number>('offValue') ?? 0, c.attr<number>('onValue') ?? 1),
      },
      'onehot_values',
    );
    const ids = castTo(c, c.input(0), c.dtype(0), 'int64');
    const y = c.node('OneHot', [ids, depth, values], 1, { axis: -1 })[0]!;
    c.node('Cast', [y], [c.out()], { to: ONNX_TYPE_CODE[c.outDtype()] });
  },
  LeakyRelu: unary('LeakyRelu', (c) => ({ alpha: { float: c.attr<number>('alpha') } })),
  Prelu: binary('PRelu'),
  Relu6: (c) => {
    c.node('Clip', [c.input(0), c.builder.scalar(0), c.builder.scalar(6)], [c.out()]);
  },
  Rsqrt: (c) => {
    const s = c.node('Sqrt', [c.input(0)], 1)[0]!;
    c.node('Reciprocal', [s], [c.out()]);
  },
  Square: (c) => {
    c.node('Mul', [c.input(0), c.input(0)], [c.out()]);
  },
  ClipByValue: (c) => {
    c.node(
      'Clip',
      [
        c.input(0),
        c.builder.scalar(c.attr<number>('clipValueMin')),
        c.builder.scalar(c.attr<number>('clipValueMax')),
      ],
      [c.out()],
    );
  },
  // core's fused kernels (FUSED_KERNELS in @vlakit/core), registered by @vlakit/backend
  VlakitLayerNorm: (c) => {
    // inputs x, gamma, beta; only output 0 (y) is used at inference (mean/rstd feed the gradient)
    c.node('LayerNormalization', [c.input(0), c.input(1), c.input(2)], [c.out(0)], {
      axis: -1,
      epsilon: { float: c.attr<number>('epsilon') },
    });
  },
  VlakitGelu: (c) => {
    // opset 17 has no Gelu: Div -> Erf -> Add -> Mul -> Mul, which onnxruntime fuses into Gelu
    const x = c.input(0);
    const scaled = c.node('Div', [x, c.builder.scalar(Math.SQRT2)], 1)[0]!;
    const e = c.node('Erf', [scaled], 1)[0]!;
    const onePlus = c.node('Add', [e, c.builder.scalar(1)], 1)[0]!;
    const times = c.node('Mul', [onePlus, x], 1)[0]!;
    c.node('Mul', [times, c.builder.scalar(0.5)], [c.out(0)]);
  },
  VlakitGruSequence: (c) => {
    // inputs xz, xr, xh (Tx, Bx, U), h0 (B, U), rz, rr, rh (U, U), bz, br, bh (U); only output 0
    // (the states) is used at inference (the cache feeds the gradient). Unrolled into the steps of
    // @vlakit/decoder-gru's gruStep, as the composed ops would trace.
    const input = (name: string) => {
      const i = c.call.inputNames.indexOf(name);
      if (i < 0) c.fail(`input '${name}' is missing (got ${c.call.inputNames.join(', ')})`);
      return i;
    };
    const steps = c.attr<number>('steps');
    const inputSteps = c.shape(input('xz'))[0]!;
    const x = (g: string, t: number) => {
      const index = c.builder.scalar(Math.min(t, inputSteps - 1), 'int64', 'step');
      return c.node('Gather', [c.input(input(`x${g}`)), index], 1, { axis: 0 })[0]!; // (Bx, U)
    };
    const recurrent = (h: string, g: string) => {
      const hr = c.node('MatMul', [h, c.input(input(`r${g}`))], 1)[0]!; // (B, U)
      return c.node('Add', [hr, c.input(input(`b${g}`))], 1)[0]!; // (B, U)
    };
    const axis0 = c.builder.int64s([0], 'axes');
    let h = c.input(input('h0')); // (B, U)
    const states: string[] = [];
    for (let t = 0; t < steps; t++) {
      const z = c.node('Sigmoid', [c.node('Add', [x('z', t), recurrent(h, 'z')], 1)[0]!], 1)[0]!; // (B, U)
      const r = c.node('Sigmoid', [c.node('Add', [x('r', t), recurrent(h, 'r')], 1)[0]!], 1)[0]!; // (B, U)
      const reset = c.node('Mul', [r, recurrent(h, 'h')], 1)[0]!; // (B, U)
      const n = c.node('Tanh', [c.node('Add', [x('h', t), reset], 1)[0]!], 1)[0]!; // (B, U)
      const keep = c.node('Mul', [z, h], 1)[0]!; // (B, U)
      const oneMinusZ = c.node('Sub', [c.builder.scalar(1), z], 1)[0]!; // (B, U)
      h = c.node('Add', [keep, c.node('Mul', [oneMinusZ, n], 1)[0]!], 1)[0]!; // (B, U)
      states.push(c.node('Unsqueeze', [h, axis0], 1)[0]!); // (1, B, U)
    }
    c.node('Concat', states, [c.out(0)], { axis: 0 }); // (T, B, U)
  },
  VlakitDense: (c) => {
    // inputs x (..., In), kernel (In, Out), optional bias (Out): ONNX MatMul broadcasts the kernel
    // over x's leading axes, as core's denseComposed traces (MatMul, Add)
    const input = (name: string) => c.call.inputNames.indexOf(name);
    const bias = input('bias');
    if (bias < 0) {
      c.node('MatMul', [c.input(input('x')), c.input(input('kernel'))], [c.out(0)]);
      return;
    }
    const y = c.node('MatMul', [c.input(input('x')), c.input(input('kernel'))], 1)[0]!; // (..., Out)
    c.node('Add', [y, c.input(bias)], [c.out(0)]);
  },
  VlakitAttention: (c) => {
    // inputs q (B, Lq, D), k and v (B, Lk, D), optional mask (B, Lk); outputs context (B, Lq, D)
    // and probabilities (B, H, Lq, Lk): the ops core's scaledDotProductAttentionComposed traces
    const input = (name: string) => c.call.inputNames.indexOf(name);
    const heads = c.attr<number>('heads');
    const [, lq, d] = c.shape(input('q')) as [number, number, number];
    const lk = c.shape(input('k'))[1]!;
    const dh = d / heads;
    // Reshape 0 copies the input's (dynamic) batch size
    const split = (name: string, length: number, perm: number[]) => {
      const shape = c.builder.int64s([0, length, heads, dh], 'shape');
      const r = c.node('Reshape', [c.input(input(name)), shape], 1)[0]!; // (B, length, H, dh)
      return c.node('Transpose', [r], 1, { perm })[0]!;
    };
    const q = split('q', lq, [0, 2, 1, 3]); // (B, H, Lq, dh)
    const k = split('k', lk, [0, 2, 3, 1]); // (B, H, dh, Lk)
    const v = split('v', lk, [0, 2, 1, 3]); // (B, H, Lk, dh)
    const scores = c.node('MatMul', [q, k], 1)[0]!; // (B, H, Lq, Lk)
    let logits = c.node('Mul', [scores, c.builder.scalar(1 / Math.sqrt(dh))], 1)[0]!;
    let maskRows: string | undefined;
    if (input('mask') >= 0) {
      const shape = c.builder.int64s([0, 1, 1, lk], 'shape');
      maskRows = c.node('Reshape', [c.input(input('mask')), shape], 1)[0]!; // (B, 1, 1, Lk)
      const masked = c.node('Sub', [c.builder.scalar(1), maskRows], 1)[0]!;
      const bias = c.node('Mul', [masked, c.builder.scalar(-1e9)], 1)[0]!;
      logits = c.node('Add', [logits, bias], 1)[0]!; // (B, H, Lq, Lk)
    }
    const zero = maskRows !== undefined && c.attr<boolean>('zeroMasked') === true;
    let probabilities = c.node('Softmax', [logits], zero ? 1 : [c.out(1)], { axis: -1 })[0]!;
    if (zero) probabilities = c.node('Mul', [probabilities, maskRows!], [c.out(1)])[0]!;
    const mixed = c.node('MatMul', [probabilities, v], 1)[0]!; // (B, H, Lq, dh)
    const merged = c.node('Transpose', [mixed], 1, { perm: [0, 2, 1, 3] })[0]!; // (B, Lq, H, dh)
    c.node('Reshape', [merged, c.builder.int64s([0, lq, d], 'shape')], [c.out(0)]); // (B, Lq, D)
  },
  Softmax: (c) => {
    c.node('Softmax', [c.input(0)], [c.out()], { axis: c.attr<number>('dim') ?? -1 });
  },
  Mean: reduce('ReduceMean', 'axis', false),
  Sum: reduce('ReduceSum', 'axis', true),
  Max: reduce('ReduceMax', 'reductionIndices', false),
  Min: reduce('ReduceMin', 'axis', false),
  Prod: reduce('ReduceProd', 'axis', false),
  ArgMax: (c) => {
    const [axis] = normAxes(c.attr('axis'), c.shape(0).length);
    const i64 = c.node('ArgMax', [c.input(0)], 1, { axis: axis!, keepdims: 0 })[0]!;
    c.node('Cast', [i64], [c.out()], { to: ONNX_TYPE_CODE.int32 });
  },
  BatchMatMul: (c) => {
    c.node('MatMul', matMulInputs(c), [c.out()]);
  },
  _FusedMatMul: (c) => {
    let y = c.node('MatMul', matMulInputs(c), 1)[0]!;
    if (c.inputCount > 2 && c.call.inputNames[2] === 'bias') y = c.node('Add', [y, c.input(2)], 1)[0]!;
    if (c.attr('activation') === 'prelu') {
      c.node('PRelu', [y, c.input(c.inputCount - 1)], [c.out()]);
      return;
    }
    activation(c, c.attr<string>('activation'), y, c.out());
  },
  Einsum: (c) => {
    c.node(
      'Einsum',
      Array.from({ length: c.inputCount }, (_, i) => c.input(i)),
      [c.out()],
      {
        equation: c.attr<string>('equation'),
      },
    );
  },
  Reshape: (c) => {
    const dims = c.dims('shape');
    const dynamic = dims.filter(isDyn).length;
    if (dynamic === 1 && !dims.some((d) => d === -1)) {
      c.node(
        'Reshape',
        [
          c.input(0),
          c.builder.int64s(
            dims.map((d) => (isDyn(d) ? -1 : d)),
            'shape',
          ),
        ],
        [c.out()],
      );
      return;
    }
    c.node('Reshape', [c.input(0), c.shapeTensor(dims)], [c.out()]);
  },
  Transpose: (c) => {
    c.node('Transpose', [c.input(0)], [c.out()], { perm: c.attr<number[]>('perm') });
  },
  GatherV2: (c) => {
    if ((c.attr<number>('batchDims') ?? 0) !== 0)
      c.fail(`batchDims ${c.attr('batchDims')} is not supported (0 is)`);
    const [axis] = normAxes(c.attr('axis'), c.shape(0).length);
    c.node('Gather', [c.input(0), c.input(1)], [c.out()], { axis: axis! });
  },
  Concat: (c) => {
    const rank = c.shape(0).length;
    const [axis] = normAxes(c.attr('axis'), rank);
    const inputs = Array.from({ length: c.inputCount }, (_, i) => c.input(i)).filter(
      (_, i) => c.shape(i)[axis!] !== 0,
    );
    c.node('Concat', inputs, [c.out()], { axis: axis! });
  },
  Pack: (c) => {
    const rank = c.shape(0).length + 1;
    const [axis] = normAxes(c.attr('axis'), rank);
    const axes = c.builder.int64s([axis!], 'axes');
    const parts = Array.from(
      { length: c.inputCount },
      (_, i) => c.node('Unsqueeze', [c.input(i), axes], 1)[0]!,
    );
    if (parts.length === 1) c.node('Identity', parts, [c.out()]);
    else c.node('Concat', parts, [c.out()], { axis: axis! });
  },
  Unpack: (c) => {
    const [axis] = normAxes(c.attr('axis'), c.shape(0).length);
    const n = c.call.outputs.length;
    const axes = c.builder.int64s([axis!], 'axes');
    const parts = n === 1 ? [c.input(0)] : c.node('Split', [c.input(0)], n, { axis: axis! });
    parts.forEach((p, i) => c.node('Squeeze', [p, axes], [c.out(i)]));
  },
  SplitV: (c) => {
    const [axis] = normAxes(c.attr('axis'), c.shape(0).length);
    const sizes = c.call.outputs.map((o) => o.shape[axis!]!);
    const outs = c.call.outputs.map((_, i) => c.out(i));
    c.node('Split', [c.input(0), c.builder.int64s(sizes, 'split')], outs, { axis: axis! });
  },
  ExpandDims: (c) => {
    c.node('Unsqueeze', [c.input(0), c.builder.int64s([c.attr<number>('dim')], 'axes')], [c.out()]);
  },
  Tile: (c) => {
    // repetitions may scale with the batch size (e.g. a class token tiled to (B, 1, D))
    c.node('Tile', [c.input(0), c.shapeTensor(c.dims('reps'))], [c.out()]);
  },
  Cast: (c) => {
    c.node('Cast', [c.input(0)], [c.out()], { to: ONNX_TYPE_CODE[dtypeOf(c.attr<string>('dtype'))] });
  },
  Select: (c) => {
    const cond = castTo(c, c.input(0), c.dtype(0), 'bool');
    c.node('Where', [cond, c.input(1), c.input(2)], [c.out()]);
  },
  ZerosLike: (c) => {
    const shape = c.node('Shape', [c.input(0)], 1)[0]!;
    c.node('ConstantOfShape', [shape], [c.out()], { value: zeroOne(c.outDtype(), 0) });
  },
  OnesLike: (c) => {
    const shape = c.node('Shape', [c.input(0)], 1)[0]!;
    c.node('ConstantOfShape', [shape], [c.out()], { value: zeroOne(c.outDtype(), 1) });
  },
  Slice: (c) => {
    const { starts, ends } = sliceParams(c, c.dims('begin'), c.dims('size'));
    const axes = starts.map((_, i) => i);
    c.node(
      'Slice',
      [
        c.input(0),
        c.builder.int64s(starts, 'starts'),
        int64Tensor(c, ends, 'ends'),
        c.builder.int64s(axes, 'axes'),
      ],
      [c.out()],
    );
  },
  StridedSlice: (c) => {
    const shape = c.shape(0);
    if (c.attr<number>('ellipsisMask') || c.attr<number>('newAxisMask') || c.attr<number>('shrinkAxisMask'))
      c.fail('ellipsisMask, newAxisMask and shrinkAxisMask are not supported; use slice() and squeeze()');
    const begin = c.dims('begin');
    const end = c.dims('end');
    const strides = c.attr<number[]>('strides');
    const bm = c.attr<number>('beginMask') ?? 0;
    const em = c.attr<number>('endMask') ?? 0;
    const sm = c.attr<number>('shrinkAxisMask') ?? 0;
    const starts: bigint[] = [];
    const ends: bigint[] = [];
    const steps: number[] = [];
    const axes: number[] = [];
    const squeeze: number[] = [];
    for (let i = 0; i < begin.length; i++) {
      const b = begin[i]!;
      const e = end[i]!;
      const s = strides[i] ?? 1;
      if (isDyn(b)) return c.fail(`a batch-dependent strided-slice begin on axis ${i} is not supported`);
      axes.push(i);
      steps.push(s);
      starts.push(bm & (1 << i) ? (s > 0 ? 0n : INT64_MAX) : BigInt(b));
      if (sm & (1 << i)) {
        ends.push(BigInt(b) + 1n === 0n ? INT64_MAX : BigInt(b) + 1n);
        squeeze.push(i);
      } else if (em & (1 << i) || isDyn(e) || e === undefined) ends.push(s > 0 ? INT64_MAX : -INT64_MAX);
      else ends.push(BigInt(e as number));
    }
    void shape;
    const sliced = c.node(
      'Slice',
      [
        c.input(0),
        int64Tensor(c, starts, 'starts'),
        int64Tensor(c, ends, 'ends'),
        c.builder.int64s(axes, 'axes'),
        c.builder.int64s(steps, 'steps'),
      ],
      squeeze.length ? 1 : [c.out()],
    )[0]!;
    if (squeeze.length) c.node('Squeeze', [sliced, c.builder.int64s(squeeze, 'axes')], [c.out()]);
  },
  Conv2D: (c) => {
    if ((c.attr<string>('dataFormat') ?? 'NHWC') !== 'NHWC')
      c.fail(`dataFormat ${c.attr('dataFormat')} is not supported (NHWC is)`);
    const pad = c.attr<unknown>('pad');
    const strides = toPair(c.attr('strides'));
    const dilations = toPair(c.attr('dilations') ?? 1);
    const x = c.node('Transpose', [c.input(0)], 1, { perm: [0, 3, 1, 2] })[0]!;
    const w = c.node('Transpose', [c.input(1)], 1, { perm: [3, 2, 0, 1] })[0]!;
    const attrs: Record<string, AttrValue | undefined> = { strides, dilations };
    if (pad === 'same') attrs['auto_pad'] = 'SAME_UPPER';
    else if (pad === 'valid') attrs['auto_pad'] = 'VALID';
    else if (typeof pad === 'number') attrs['pads'] = [pad, pad, pad, pad];
    else c.fail(`padding ${JSON.stringify(pad)} is not supported ('same', 'valid' or a number are)`);
    const y = c.node('Conv', [x, w], 1, attrs)[0]!;
    c.node('Transpose', [y], [c.out()], { perm: [0, 2, 3, 1] });
  },
};

function toPair(v: unknown): number[] {
  return Array.isArray(v) ? (v as number[]) : [v as number, v as number];
}

function zeroOne(dtype: OnnxDType, value: number) {
  const data =
    dtype === 'float32'
      ? Float32Array.of(value)
      : dtype === 'int32'
        ? Int32Array.of(value)
        : dtype === 'int64'
          ? BigInt64Array.of(BigInt(value))
          : Uint8Array.of(value ? 1 : 0);
  return { dtype, shape: [1], data };
}

export function supportedKernels(): string[] {
  return Object.keys(KERNEL_MAPPERS).sort();
}
