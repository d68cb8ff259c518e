import * as tf from '@tensorflow/tfjs';
import { VlakitError } from '@vlakit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBackendName } from './backend-name.js';
import { initBackend } from './init-backend.js';
import { loadTensorflow } from './load-tensorflow.js';

const notInstalled = async (specifier: string): Promise<unknown> => {
  const error = new Error(`Cannot find package '${specifier}' imported from here`) as Error & {
    code: string;
  };
  error.code = 'ERR_MODULE_NOT_FOUND';
  throw error;
};

/** Stands in for tfjs-node: importing it registers a `tensorflow` backend (a cpu one here). */
const fakeTfjsNode = async (specifier: string): Promise<unknown> => {
  if (specifier === '@tensorflow/tfjs-node-gpu') return notInstalled(specifier);
  const Cpu = (tf.engine().findBackend('cpu') as object).constructor as new () => tf.KernelBackend;
  tf.registerBackend('tensorflow', () => new Cpu());
  return {};
};

afterEach(() => {
  if (tf.findBackendFactory('tensorflow') !== null) tf.removeBackend('tensorflow');
  tf.setBackend('cpu');
});

describe('initBackend', () => {
  it('cpu selects the tfjs cpu backend', async () => {
    const info = await initBackend('cpu');
    expect(info.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info.kernels).toEqual([]);
  });

  it('wasm selects tfjs-wasm with our kernels and fallbacks', async () => {
    const info = await initBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.backend).toBe('wasm');
    expect(info.kernels.some((k) => k.startsWith('BatchMatMul'))).toBe(true);
    expect(info.kernels).toContain('Slice');
    expect(info.kernels).toContain('UnsortedSegmentSum');
    expect(info.kernels).toContain('Conv2DBackpropFilter(cpu)');
    expect(info.description).toMatch(/tfjs-wasm with vlakit kernels/);
    const y = tf.tidy(
      () =>
        tf
          .matMul(tf.ones([2, 3]), tf.ones([3, 4]))
          .sum()
          .dataSync()[0],
    );
    expect(y).toBe(24);
  });

  it('wasm without native says XNNPACK', async () => {
    const info = await initBackend('wasm', { native: false });
    expect(info.description).toMatch(/XNNPACK matmul/);
    expect(info.kernels).toContain('BatchMatMul');
  });

  it('fastKernels: false gives stock tfjs-wasm even after our kernels were registered', async () => {
    await initBackend('wasm', { native: false });
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeDefined();
    const info = await initBackend('wasm', { fastKernels: false });
    expect(info.kernels).toEqual([]);
    expect(info.description).toMatch(/stock kernels/);
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeUndefined();
    const again = await initBackend('wasm', { native: false });
    expect(again.kernels).toContain('UnsortedSegmentSum');
  });

  it('tensorflow fails clearly when neither tfjs-node package loads', async () => {
    const error = await initBackend('tensorflow', { importModule: notInstalled }).catch((e: unknown) => e);
    expect(VlakitError.isInstance(error, 'backend')).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain('@tensorflow/tfjs-node-gpu: not installed');
    expect(message).toContain('@tensorflow/tfjs-node: not installed');
    expect(message).toContain('--backend wasm');
  });

  it('tensorflow reports a package that is installed but fails to load', async () => {
    const broken = async (specifier: string): Promise<unknown> => {
      if (specifier === '@tensorflow/tfjs-node')
        throw new Error('libtensorflow.so.2: cannot open shared object file');
      return notInstalled(specifier);
    };
    const error = await loadTensorflow(broken).catch((e: unknown) => e);
    expect((error as Error).message).toContain('@tensorflow/tfjs-node: failed to load (libtensorflow.so.2');
  });

  it('tensorflow without the real packages (none are installed here) explains why', async () => {
    const error = await initBackend('tensorflow').catch((e: unknown) => e);
    expect(VlakitError.isInstance(error, 'backend')).toBe(true);
    expect((error as Error).message).toMatch(/@tensorflow\/tfjs-node: (not installed|failed to load)/);
  });

  it('tensorflow uses tfjs-node when only it loads', async () => {
    const info = await initBackend('tensorflow', { importModule: fakeTfjsNode });
    expect(info.backend).toBe('tensorflow');
    expect(info.description).toBe('tensorflow via @tensorflow/tfjs-node');
    expect(tf.getBackend()).toBe('tensorflow');
  });

  it('auto prefers tensorflow when it loads', async () => {
    const info = await initBackend('auto', { importModule: fakeTfjsNode });
    expect(info.backend).toBe('tensorflow');
  });

  it('auto falls back to wasm (never cpu) and records why', async () => {
    const info = await initBackend('auto', { importModule: notInstalled });
    expect(info.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.description).toMatch(/auto: tensorflow unavailable: .*not installed/);
  });

  it('the default is auto', async () => {
    const info = await initBackend(undefined, { importModule: notInstalled });
    expect(info.backend).toBe('wasm');
  });

  it('an unknown name is a backend error that quotes it', async () => {
    const error = await initBackend('gpu' as never).catch((e: unknown) => e);
    expect(VlakitError.isInstance(error, 'backend')).toBe(true);
    expect((error as Error).message).toBe('backend "gpu" is not one of auto, tensorflow, wasm, cpu');
    expect(() => parseBackendName(3)).toThrow(/backend 3 is not one of/);
  });
});
