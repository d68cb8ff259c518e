import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../init-backend.js';
import { loadNativeBlas } from '../native-blas.js';
import { registerWasmKernels, unregisterWasmKernels } from './register-wasm-kernels.js';

/** Runs `f` on the cpu backend and on wasm, returning both results as plain arrays. */
async function both(
  f: () => tf.Tensor | tf.Tensor[],
): Promise<{ cpu: Float32Array[]; wasm: Float32Array[]; shapes: number[][] }> {
  const run = (backend: string) => {
    tf.setBackend(backend);
    const out = tf.tidy(f);
    const list = Array.isArray(out) ? out : [out];
    const values = list.map((t) => Float32Array.from(t.dataSync()));
    const shapes = list.map((t) => t.shape);
    tf.dispose(list);
    return { values, shapes };
  };
  const c = run('cpu');
  const w = run('wasm');
  expect(w.shapes).toEqual(c.shapes);
  return { cpu: c.values, wasm: w.values, shapes: c.shapes };
}

function expectClose(actual: Float32Array, expected: Float32Array, tol = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!) / (1 + Math.abs(expected[i]!));
    worst = Math.max(worst, err);
  }
  expect(worst).toBeLessThanOrEqual(tol);
}

/** Deterministic pseudo-random values (no backend involved). */
function data(shape: number[], seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  let s = seed * 9301 + 49297;
  for (let i = 0; i < n; i++) {
    s = (s * 9301 + 49297) % 233280;
    v[i] = s / 233280 - 0.5;
  }
  return tf.tensor(v, shape);
}

const native = loadNativeBlas();
const paths: Array<[string, boolean]> = [['xnnpack', false]];
if (native.loaded) paths.push(['openblas', true]);

beforeAll(async () => {
  await initBackend('wasm', { native: false });
});
afterAll(() => {
  tf.setBackend('cpu');
});

describe.each(paths)('BatchMatMul on wasm (%s) matches cpu', (_label, useNative) => {
  beforeAll(() => {
    registerWasmKernels({ native: useNative && native.loaded ? native.blas : undefined });
  });
  const cases: Array<[string, number[], number[], boolean, boolean]> = [
    ['2D', [7, 5], [5, 3], false, false],
    ['2D transposeA', [5, 7], [5, 3], true, false],
    ['2D transposeB', [7, 5], [3, 5], false, true],
    ['2D both transposed', [5, 7], [3, 5], true, true],
    ['batched', [4, 6, 5], [4, 5, 3], false, false],
    ['batched transposeB (attention scores)', [2, 3, 6, 4], [2, 3, 6, 4], false, true],
    ['batched transposeA', [3, 5, 6], [3, 5, 2], true, false],
    ['batch against shared weights', [4, 6, 5], [5, 3], false, false],
    ['shared left against batch', [6, 5], [4, 5, 3], false, false],
    ['batch transposeA against shared', [4, 5, 6], [5, 3], true, false],
  ];
  it.each(cases)('%s', async (_name, aShape, bShape, ta, tb) => {
    const r = await both(() => tf.matMul(data(aShape, 1), data(bShape, 2), ta, tb));
    expectClose(r.wasm[0]!, r.cpu[0]!);
  });
  it('a direct kernel call with a batch of 1 at different ranks, (1, K) x (1, K, N), is one product', async () => {
    // tfjs's matMul op reshapes both operands to rank 3; kernels calling BatchMatMul directly (Sum
    // through a row of ones) may not. Such calls used to go to the stock kernel, and the default
    // smoke training (cli smoke.test.ts) then hit a NaN gradient once every leading-axis Sum took
    // this route; here the direct call's values and shape are checked against cpu.
    const r = await both(
      () =>
        tf.engine().runKernel(
          'BatchMatMul',
          { a: data([1, 40], 7), b: data([1, 40, 130], 8) },
          {
            transposeA: false,
            transposeB: false,
          },
        ) as tf.Tensor,
    );
    expect(r.wasm[0]!.length).toBe(130);
    expectClose(r.wasm[0]!, r.cpu[0]!);
  });
  it('gradients of a batched product', async () => {
    const r = await both(() => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b, false, true).square().sum());
      return g([data([2, 4, 3], 3), data([2, 5, 3], 4)]);
    });
    expectClose(r.wasm[0]!, r.cpu[0]!);
    expectClose(r.wasm[1]!, r.cpu[1]!);
  });
  it('leaks no tensors', () => {
    tf.setBackend('wasm');
    const a = data([3, 4, 5], 5);
    const b = data([3, 6, 5], 6);
    const before = tf.memory().numTensors;
    tf.tidy(() => tf.matMul(a, b, false, true).dataSync());
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
  });
});

describe.runIf(native.loaded)('broadcasting Add/Sub/Multiply/RealDiv on wasm (addon rows) match cpu', () => {
  beforeAll(() => {
    registerWasmKernels({ native: native.loaded ? native.blas : undefined });
  });
  afterAll(() => {
    registerWasmKernels({ native: undefined });
  });
  const ops: Array<[string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor]> = [
    ['Add', tf.add],
    ['Sub', tf.sub],
    ['Multiply', tf.mul],
    ['RealDiv', tf.div],
  ];
  const shapes: Array<[string, number[], number[]]> = [
    ['image minus per-channel', [2, 5, 4, 3], [3]],
    ['bias over rows', [7, 6], [6]],
    ['broadcast operand first', [6], [7, 6]],
    ['leading 1s and a scalar', [3, 4], [1, 1, 4]],
    ['scalar', [5, 3], []],
    ['scalar first', [], [5, 3]],
    ['equal shapes', [4, 5, 3], [4, 5, 3]],
  ];
  it.each(ops.flatMap(([op, f]) => shapes.map(([name, a, b]) => [`${op}: ${name}`, f, a, b] as const)))(
    '%s',
    async (_name, f, aShape, bShape) => {
      // divisors away from 0
      const r = await both(() =>
        f(data(aShape, 1), data(bShape, 2).add(_name.startsWith('RealDiv') ? 2 : 0)),
      );
      expectClose(r.wasm[0]!, r.cpu[0]!, 1e-6);
    },
  );
  it('gradients through a broadcast product (bias-like) match cpu', async () => {
    const r = await both(() => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.mul(tf.sub(a, b), b).square().sum());
      return g([data([4, 6], 3), data([6], 4)]);
    });
    expectClose(r.wasm[0]!, r.cpu[0]!);
    expectClose(r.wasm[1]!, r.cpu[1]!);
  });
});

describe.runIf(native.loaded)('Transpose on wasm (addon runs) matches cpu', () => {
  beforeAll(() => {
    registerWasmKernels({ native: native.loaded ? native.blas : undefined });
  });
  afterAll(() => {
    registerWasmKernels({ native: undefined });
  });
  const cases: Array<[string, number[], number[]]> = [
    ['matrix', [5, 7], [1, 0]],
    ['attention heads (B, L, H, dh) -> (B, H, L, dh)', [2, 5, 3, 4], [0, 2, 1, 3]],
    ['keys (B, L, H, dh) -> (B, H, dh, L)', [2, 5, 3, 4], [0, 2, 3, 1]],
    ['ViT patchify (B, g, p, g, p, 3)', [2, 3, 4, 3, 4, 3], [0, 1, 3, 2, 4, 5]],
    ['identity', [3, 4], [0, 1]],
    ['reversed rank 5', [2, 3, 1, 4, 2], [4, 3, 2, 1, 0]],
  ];
  it.each(cases)('%s', async (_name, shape, perm) => {
    const r = await both(() => tf.transpose(data(shape, 1), perm));
    expectClose(r.wasm[0]!, r.cpu[0]!, 0);
  });
  it('gradient of a transpose matches cpu', async () => {
    const r = await both(() =>
      tf.grad((x: tf.Tensor) =>
        tf
          .transpose(x, [0, 2, 1, 3])
          .mul(data([2, 3, 5, 4], 2))
          .sum(),
      )(data([2, 5, 3, 4], 3)),
    );
    expectClose(r.wasm[0]!, r.cpu[0]!, 0);
  });
});

describe('slice, split, unstack on wasm match cpu', () => {
  beforeAll(() => {
    registerWasmKernels({});
  });
  it.each([
    ['1D', [10], [2], [5]],
    ['2D inner', [4, 6], [1, 2], [2, 3]],
    ['3D whole rows', [3, 4, 5], [1, 0, 0], [2, 4, 5]],
    ['3D middle', [3, 4, 5], [0, 1, 2], [3, 2, 3]],
    ['4D', [2, 3, 4, 5], [1, 1, 0, 1], [1, 2, 4, 3]],
    ['5D', [2, 2, 3, 2, 3], [0, 1, 1, 0, 1], [2, 1, 2, 2, 2]],
    ['size -1', [4, 6], [1, 2], [-1, -1]],
  ])('slice %s', async (_n, shape, begin, size) => {
    const r = await both(() => tf.slice(data(shape as number[], 7), begin as number[], size as number[]));
    expectClose(r.wasm[0]!, r.cpu[0]!, 0);
  });
  it('int32 slice', async () => {
    const r = await both(() =>
      tf.slice(tf.range(0, 60, 1, 'int32').reshape([3, 4, 5]), [1, 1, 1], [2, 2, 3]).toFloat(),
    );
    expectClose(r.wasm[0]!, r.cpu[0]!, 0);
  });
  it('split along a middle axis', async () => {
    const r = await both(() => tf.split(data([3, 8, 4], 8), [3, 5], 1));
    expect(r.wasm.length).toBe(2);
    for (let i = 0; i < 2; i++) expectClose(r.wasm[i]!, r.cpu[i]!, 0);
  });
  it('unstack along axis 1 (a GRU over time)', async () => {
    const r = await both(() => tf.unstack(data([4, 6, 3], 9), 1));
    expect(r.wasm.length).toBe(6);
    expect(r.shapes[0]).toEqual([4, 3]);
    for (let i = 0; i < 6; i++) expectClose(r.wasm[i]!, r.cpu[i]!, 0);
  });
});

describe('sum on wasm matches cpu', () => {
  it.each([
    ['leading axis', [6, 5], [0], false],
    ['two leading axes (bias gradient)', [3, 4, 5], [0, 1], false],
    ['leading, keepDims', [3, 4, 5], [0], true],
    ['trailing (stock path)', [3, 4, 5], [2], false],
    ['all', [3, 4], [0, 1], false],
    ['large leading (through matmul)', [128, 4, 40], [0, 1], false],
    ['large leading, keepDims (through matmul)', [256, 32], [0], true],
    ['middle axis (a (T, B, U) gradient over B)', [4, 6, 5], [1], false],
    ['two middle axes, keepDims', [2, 3, 4, 5], [1, 2], true],
    ['large middle axis (through matmul)', [3, 40, 128], [1], false],
  ])('%s', async (_n, shape, axes, keep) => {
    registerWasmKernels({});
    const r = await both(() => tf.sum(data(shape as number[], 11), axes as number[], keep as boolean));
    expectClose(r.wasm[0]!, r.cpu[0]!, 1e-5);
  });
});

describe('gather on wasm matches cpu', () => {
  it.each([
    [
      'embedding rows (axis 0)',
      [10, 4],
      [
        [1, 3, 3],
        [0, 9, 1],
      ],
      0,
    ],
    ['axis 1', [3, 5, 2], [4, 0, 4], 1],
    ['last axis', [3, 5], [2, 2, 0], 1],
  ])('%s', async (_n, shape, ids, axis) => {
    registerWasmKernels({});
    const r = await both(() =>
      tf.gather(data(shape as number[], 16), tf.tensor(ids as number[], undefined, 'int32'), axis as number),
    );
    expectClose(r.wasm[0]!, r.cpu[0]!, 0);
  });
  it('int32 values, and an out-of-range index is an error naming it', async () => {
    registerWasmKernels({});
    const r = await both(() =>
      tf
        .gather(
          tf.tensor2d(
            [
              [1, 2],
              [3, 4],
            ],
            [2, 2],
            'int32',
          ),
          tf.tensor1d([1, 0, 1], 'int32'),
        )
        .toFloat(),
    );
    expectClose(r.wasm[0]!, r.cpu[0]!, 0);
    tf.setBackend('wasm');
    expect(() => tf.tidy(() => tf.gather(tf.zeros([3, 2]), tf.tensor1d([3], 'int32')))).toThrow(
      /index value 3 is not in \[0, 2\]/,
    );
  });
});

describe('identity and same-dtype cast share data on wasm', () => {
  it('clone and cast keep their values after the source is disposed; no tensors leak', async () => {
    await initBackend('wasm', { native: false });
    const before = tf.memory().numTensors;
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const c = tf.clone(x);
    const same = tf.cast(x, 'float32');
    const ints = tf.tidy(() => tf.cast(tf.tensor1d([1.7, -2.2]), 'int32'));
    x.dispose();
    expect(Array.from(c.dataSync())).toEqual([1, 2, 3, 4]);
    expect(Array.from(same.dataSync())).toEqual([1, 2, 3, 4]);
    expect(Array.from(ints.dataSync())).toEqual([1, -2]);
    tf.dispose([c, same, ints]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('cpu fallbacks make training kernels exist on wasm', () => {
  it('UnsortedSegmentSum (embedding gradient) matches cpu', async () => {
    registerWasmKernels({});
    const r = await both(() => {
      const table = data([10, 4], 12);
      const ids = tf.tensor2d(
        [
          [1, 3, 3],
          [0, 9, 1],
        ],
        [2, 3],
        'int32',
      );
      return tf.grad((t: tf.Tensor) => tf.gather(t, ids).square().sum())(table);
    });
    expectClose(r.wasm[0]!, r.cpu[0]!);
  });
  it('UnsortedSegmentSum drops out-of-range ids like cpu', async () => {
    const r = await both(() =>
      tf.unsortedSegmentSum(data([6, 2, 3], 15), tf.tensor1d([0, 4, -1, 2, 4, 7], 'int32'), 5),
    );
    expectClose(r.wasm[0]!, r.cpu[0]!, 1e-6);
  });
  it('Conv2DBackpropFilter (conv weight gradient) matches cpu', async () => {
    const r = await both(() => {
      const x = data([2, 8, 8, 3], 13) as tf.Tensor4D;
      const w = data([4, 4, 3, 5], 14) as tf.Tensor4D;
      return tf.grad((k: tf.Tensor) =>
        tf
          .conv2d(x, k as tf.Tensor4D, 4, 'valid')
          .square()
          .sum(),
      )(w);
    });
    expectClose(r.wasm[0]!, r.cpu[0]!);
  });
  it('without fallbacks the stock wasm backend lacks them', async () => {
    unregisterWasmKernels();
    tf.setBackend('wasm');
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeUndefined();
    const info = registerWasmKernels({});
    expect(info.overrides).toContain('UnsortedSegmentSum');
    expect(info.fallbacks).toContain('Conv2DBackpropFilter');
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeDefined();
  });
});
