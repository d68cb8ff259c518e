import * as tf from '@tensorflow/tfjs';
import {
  registerAttentionKernels,
  registerDenseKernels,
  registerFusedKernels,
  registerGruKernels,
} from '@vlakit/backend';
import { dense, geluErf, layerNorm, scaledDotProductAttention } from '@vlakit/core';
import { gruSequence } from '@vlakit/decoder-gru';
import { afterAll, describe, expect, it } from 'vitest';
import { KERNEL_MAPPERS } from './kernel-mappers.js';
import { type FnInput, fnModel, hasPythonOnnx, onnxVsTfjs, pythonCheckModels } from './test-helpers.js';

type Case = {
  kernel: string;
  inputs: FnInput[];
  fn: (x: Record<string, tf.Tensor>, v: ReadonlyMap<string, tf.Variable>) => tf.Tensor | tf.Tensor[];
  vars?: () => Map<string, tf.Variable>;
  tol?: number;
};

const X = (shape: number[]): FnInput => ({ name: 'x', shape });
const Y = (shape: number[]): FnInput => ({ name: 'y', shape });
const POS = (shape: number[], name = 'x'): FnInput => ({
  name,
  shape,
  gen: (i) => 0.1 + ((i * 37) % 17) / 10,
});
const IDS = (shape: number[], max: number): FnInput => ({
  name: 'ids',
  shape,
  dtype: 'int32',
  gen: (i) => (i * 7 + 3) % max,
});
const v = (name: string, shape: number[], seed: number) => () =>
  new Map([
    [
      name,
      tf.variable(tf.randomNormal(shape, 0, 0.5, 'float32', seed), true, `${name}_${seed}_${Math.random()}`),
    ],
  ]);

const un = (
  kernel: string,
  fn: (t: tf.Tensor) => tf.Tensor | tf.Tensor[],
  input: FnInput = X([3, 4]),
): Case => ({
  kernel,
  inputs: [input],
  fn: ({ x }) => fn(x!),
});
const bin = (
  kernel: string,
  fn: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
  a = X([3, 4]),
  b = Y([3, 4]),
): Case => ({
  kernel,
  inputs: [a, b],
  fn: ({ x, y }) => fn(x!, y!),
});

const cases: Case[] = [
  bin('Add', tf.add, X([3, 4]), Y([1, 4])),
  bin('Sub', tf.sub),
  bin('Multiply', tf.mul),
  bin('RealDiv', tf.div, X([3, 4]), POS([3, 4], 'y')),
  bin('Maximum', tf.maximum),
  bin('Minimum', tf.minimum),
  bin('Pow', (a, b) => tf.pow(a, b), POS([3, 4]), Y([3, 4])),
  bin('SquaredDifference', tf.squaredDifference),
  bin('Greater', (a, b) => tf.greater(a, b).cast('float32')),
  bin('GreaterEqual', (a, b) => tf.greaterEqual(a, b).cast('float32')),
  bin('Less', (a, b) => tf.less(a, b).cast('float32')),
  bin('LessEqual', (a, b) => tf.lessEqual(a, b).cast('float32')),
  bin('Equal', (a, b) => tf.equal(a.round(), b.round()).cast('float32')),
  bin('NotEqual', (a, b) => tf.notEqual(a.round(), b.round()).cast('float32')),
  bin('LogicalAnd', (a, b) => tf.logicalAnd(a.greater(0), b.greater(0)).cast('float32')),
  bin('LogicalOr', (a, b) => tf.logicalOr(a.greater(0), b.greater(0)).cast('float32')),
  un('LogicalNot', (a) => tf.logicalNot(a.greater(0)).cast('float32')),
  bin('Select', (a, b) => tf.where(a.greater(b), a, b)),
  bin('AddN', (a, b) => tf.addN([a, b, a])),
  bin('Prelu', (a, b) => tf.prelu(a, b.abs())),
  un('Neg', tf.neg),
  un('Abs', tf.abs),
  un('Sqrt', tf.sqrt, POS([3, 4])),
  un('Rsqrt', tf.rsqrt, POS([3, 4])),
  un('Square', tf.square),
  un('Exp', tf.exp),
  un('Log', tf.log, POS([3, 4])),
  un('Log1p', tf.log1p, POS([3, 4])),
  un('Tanh', tf.tanh),
  un('Sigmoid', tf.sigmoid),
  un('Relu', tf.relu),
  un('Relu6', (a) => tf.relu6(a.mul(8))),
  un('Elu', tf.elu),
  un('Selu', tf.selu),
  un('LeakyRelu', (a) => tf.leakyRelu(a, 0.3)),
  un('Erf', tf.erf),
  un('Floor', (a) => tf.floor(a.mul(3))),
  un('Ceil', (a) => tf.ceil(a.mul(3))),
  un('Round', (a) => tf.round(a.mul(3).add(0.25))),
  un('Sign', tf.sign),
  un('Sin', tf.sin),
  un('Cos', tf.cos),
  un('Tan', tf.tan),
  un('Reciprocal', tf.reciprocal, POS([3, 4])),
  un('Softplus', tf.softplus),
  un('Identity', (a) => tf.clone(a)),
  un('ClipByValue', (a) => tf.clipByValue(a, -0.3, 0.4)),
  un('Softmax', (a) => tf.softmax(a)),
  un('Max', (a) => tf.logSoftmax(a)),
  un('Mean', (a) => tf.mean(a, [1], true), X([3, 4, 5])),
  un('Sum', (a) => tf.sum(a, -1)),
  un('Max', (a) => tf.max(a, 1)),
  un('Min', (a) => tf.min(a, [1, 2]), X([3, 4, 5])),
  un('Prod', (a) => tf.prod(a, 1)),
  un('ArgMax', (a) => tf.argMax(a, 1).cast('float32')),
  un('ArgMin', (a) => tf.argMin(a, -1).cast('float32')),
  bin('BatchMatMul', (a, b) => tf.matMul(a, b, false, true), X([3, 4]), Y([5, 4])),
  {
    kernel: 'BatchMatMul',
    inputs: [X([3, 4])],
    fn: ({ x }, vars) => tf.matMul(x!.reshape([-1, 4]), vars.get('w')!, false, false),
    vars: v('w', [4, 6], 1),
  },
  {
    kernel: 'BatchMatMul',
    inputs: [X([2, 3, 4])],
    fn: ({ x }, vars) => tf.matMul(vars.get('w')!, x!.reshape([-1, 3, 4]), true, false),
    vars: v('w', [3, 5], 2),
  },
  {
    kernel: '_FusedMatMul',
    inputs: [X([4])],
    fn: ({ x }, vars) =>
      tf.fused.matMul({ a: x!, b: vars.get('w')!, bias: tf.ones([6]), activation: 'relu' }),
    vars: v('w', [4, 6], 3),
  },
  bin('Einsum', (a, b) => tf.einsum('bij,bkj->bik', a, b), X([3, 4]), Y([5, 4])),
  un('Reshape', (a) => a.reshape([-1, 2, 6]), X([3, 4])),
  un('Reshape', (a) => a.reshape([a.shape[0]! * 3, 4]).reshape([a.shape[0]!, 2, 6]), X([3, 4])),
  un('Transpose', (a) => a.transpose([0, 2, 1])),
  {
    kernel: 'GatherV2',
    inputs: [IDS([5], 7)],
    fn: ({ ids }, vars) => tf.gather(vars.get('table')!, ids!),
    vars: v('table', [7, 3], 4),
  },
  un('GatherV2', (a) => tf.gather(a, tf.tensor1d([2, 0], 'int32'), 1)),
  bin('Concat', (a, b) => tf.concat([a, b, a], 1)),
  bin('Pack', (a, b) => tf.stack([a, b], 1)),
  un('Unpack', (a) => tf.unstack(a, 1), X([3, 4])),
  un('SplitV', (a) => tf.split(a, [1, 3], 2), X([3, 4])),
  un('ExpandDims', (a) => a.expandDims(-1)),
  un('Tile', (a) => tf.tile(a, [1, 2, 3])),
  {
    kernel: 'Tile',
    inputs: [X([1, 4])],
    fn: ({ x }, vars) => tf.concat([tf.tile(vars.get('cls')!, [x!.shape[0]!, 1, 1]), x!], 1),
    vars: v('cls', [1, 1, 4], 7),
  },
  un('Tile', (a) => a.broadcastTo([a.shape[0]!, 3, 3, 4]).sum(1), X([1, 3, 4])),
  un('Cast', (a) => a.mul(3).cast('int32')),
  un('ZerosLike', (a) => tf.zerosLike(a).add(a)),
  un('OnesLike', (a) => tf.onesLike(a).sub(a)),
  // a batch-sized uniform constant (tf.fill) folds to Expand(scalar, shape from the batch size)
  un('Add', (a) => a.add(tf.fill([a.shape[0]!, 3, 4], 0.5))),
  un('Slice', (a) => a.slice([0, 1, 1], [-1, 2, 3])),
  un('Slice', (a) => a.slice([0, 0, 1], [a.shape[0]!, 3, 2])),
  un('StridedSlice', (a) => tf.stridedSlice(a, [0, 0, 1], [0, 3, 4], [1, 2, 1], 1, 1)),
  un('PadV2', (a) =>
    tf.pad(
      a,
      [
        [0, 0],
        [1, 2],
        [0, 1],
      ],
      0.5,
    ),
  ),
  un('OneHot', (a) => tf.oneHot(a.add(1).mul(2).floor().cast('int32'), 5)),
  un('FloorDiv', (a) => tf.floorDiv(a.mul(7), tf.scalar(2))),
  {
    kernel: 'Conv2D',
    inputs: [X([6, 6, 3])],
    fn: ({ x }, vars) => tf.conv2d(x as tf.Tensor4D, vars.get('k') as tf.Tensor4D, 2, 'same'),
    vars: v('k', [3, 3, 3, 4], 5),
  },
  {
    kernel: 'Conv2D',
    inputs: [X([6, 6, 3])],
    fn: ({ x }, vars) => tf.conv2d(x as tf.Tensor4D, vars.get('k') as tf.Tensor4D, 1, 'valid'),
    vars: v('k', [2, 2, 3, 4], 6),
  },
];

// core's layerNorm / geluErf run these fused kernels once @vlakit/backend registers them (cpu here)
registerFusedKernels();
cases.push(
  {
    kernel: 'VlakitLayerNorm',
    inputs: [X([5, 8])],
    fn: ({ x }, vars) => layerNorm(x!, { gamma: vars.get('gamma')!, beta: vars.get('beta')! }, 1e-12),
    vars: () =>
      new Map([
        ['gamma', tf.variable(tf.randomNormal([8], 1, 0.3, 'float32', 7), true, `gamma_${Math.random()}`)],
        ['beta', tf.variable(tf.randomNormal([8], 0, 0.3, 'float32', 8), true, `beta_${Math.random()}`)],
      ]),
  },
  un('VlakitGelu', geluErf, X([3, 6])),
);

// @vlakit/decoder-gru's gruSequence runs VlakitGruSequence once @vlakit/backend registers it
registerGruKernels();
const gruWeights = (seed: number) => () =>
  new Map(
    ['rz', 'rr', 'rh', 'bz', 'br', 'bh', 'q'].map((n, i) => [
      n,
      tf.variable(
        tf.randomNormal(
          n === 'q' ? [3, 1, 4] : n.startsWith('r') ? [4, 4] : [4],
          0,
          0.5,
          'float32',
          seed + i,
        ),
        true,
        `gru_${n}_${Math.random()}`,
      ),
    ]),
  );
const gru = (x: Record<string, tf.Tensor>, v: ReadonlyMap<string, tf.Variable>, perStep: boolean) => {
  const h0 = tf.tanh(x['x']!); // (B, 4)
  const proj = perStep
    ? (k: number) => tf.mul(v.get('q')!, k) // (3, 1, 4): the same input for every sample
    : (k: number) => tf.expandDims(tf.mul(x['x']!, k), 0); // (1, B, 4): the same input at every step
  const w = {
    recurrentKernel: { z: v.get('rz')!, r: v.get('rr')!, h: v.get('rh')! },
    recurrentBias: { z: v.get('bz')!, r: v.get('br')!, h: v.get('bh')! },
  };
  return gruSequence({ z: proj(0.5), r: proj(-0.7), h: proj(1.2) }, h0, w, 3); // (3, B, 4)
};
cases.push(
  { kernel: 'VlakitGruSequence', inputs: [X([4])], fn: (x, v) => gru(x, v, false), vars: gruWeights(11) },
  { kernel: 'VlakitGruSequence', inputs: [X([4])], fn: (x, v) => gru(x, v, true), vars: gruWeights(21) },
);

// core's dense (every stage's projections) runs VlakitDense once @vlakit/backend registers it
registerDenseKernels();
const denseCase = (shape: number[], bias: boolean): Case => ({
  kernel: 'VlakitDense',
  inputs: [X(shape)],
  fn: ({ x }, vars) =>
    dense(x!, bias ? { kernel: vars.get('k')!, bias: vars.get('b')! } : { kernel: vars.get('k')! }),
  vars: () =>
    new Map([
      [
        'k',
        tf.variable(tf.randomNormal([shape.at(-1)!, 3], 0, 0.5, 'float32', 31), true, `k_${Math.random()}`),
      ],
      ['b', tf.variable(tf.randomNormal([3], 0, 0.5, 'float32', 32), true, `b_${Math.random()}`)],
    ]),
});
cases.push(denseCase([5, 4], true), denseCase([4], false));

// core's scaledDotProductAttention (multiHeadAttention, cross-attention) runs VlakitAttention once
// @vlakit/backend registers it; both outputs (context and probabilities) are checked
registerAttentionKernels();
const MASK = (shape: number[]): FnInput => ({ name: 'm', shape, gen: (i) => (i % 6 < 2 + (i % 5) ? 1 : 0) });
const attention = (mask: boolean, zeroMasked: boolean): Case => ({
  kernel: 'VlakitAttention',
  inputs: mask ? [X([5, 8]), Y([6, 8]), MASK([6])] : [X([5, 8])],
  fn: ({ x, y, m }) => {
    const kv = y ?? x!;
    const r = scaledDotProductAttention(x!, kv, tf.mul(kv, 0.5), 2, { keyMask: m, zeroMasked });
    return [r.context, r.probabilities];
  },
});
cases.push(attention(false, false), attention(true, false), attention(true, true));

const exported: string[] = [];

describe('each supported tfjs kernel maps to ONNX that matches tfjs (batch 1 and 4)', () => {
  afterAll(() => {
    if (!hasPythonOnnx()) {
      console.warn('python3-onnx is not installed (apt-get install python3-onnx): onnx.checker skipped');
      return;
    }
    expect(pythonCheckModels(exported)).toEqual([]);
  });

  it.each(cases.map((c, i) => [`${c.kernel} #${i}`, c] as const))('%s', async (_, c) => {
    const vars = c.vars?.() ?? new Map();
    const model = fnModel(c.inputs, c.fn, vars);
    const r = await onnxVsTfjs(model);
    exported.push(r.modelPath);
    expect(r.kernels).toContain(c.kernel);
    expect(r.maxAbsDiff).toBeLessThan(c.tol ?? 2e-5);
    tf.dispose([...vars.values()]);
  });

  it('covers every mapper in the table', () => {
    const tested = new Set(cases.map((c) => c.kernel));
    expect(Object.keys(KERNEL_MAPPERS).filter((k) => !tested.has(k))).toEqual([]);
  });
});

describe('kernels that cannot be exported fail naming the kernel and the stage', () => {
  it('an unsupported kernel (Cumsum) lists the supported ones', async () => {
    const model = fnModel([X([3, 4])], ({ x }) => tf.cumsum(x!, 1));
    await expect(onnxVsTfjs(model)).rejects.toThrow(
      /unsupported tfjs kernel 'Cumsum' in stage '\(pipeline\)'.*supported kernels: Abs, Add/,
    );
  });
  it('a strided slice with shrinkAxisMask says what to use instead', async () => {
    const model = fnModel([X([3, 4])], ({ x }) =>
      tf.stridedSlice(x!, [0, 1, 0], [0, 2, 4], [1, 1, 2], 1, 1, 0, 0, 2),
    );
    await expect(onnxVsTfjs(model)).rejects.toThrow(
      /cannot export kernel 'StridedSlice'.*use slice\(\) and squeeze\(\)/,
    );
  });
  it('a batch-sized constant that is not uniform is rejected', async () => {
    const model = fnModel([X([3])], ({ x }) => x!.add(tf.range(0, x!.shape[0]! * 3).reshape([-1, 3])));
    await expect(onnxVsTfjs(model)).rejects.toThrow(/not uniform/);
  });
});
