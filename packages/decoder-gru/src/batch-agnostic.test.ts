import * as tf from '@tensorflow/tfjs';
import { randomFeeds } from '@vlakit/core/testing';
import { describe, expect, it } from 'vitest';
import { familyRegistry, stageCases } from './test-pipeline.js';

/*
 * The ONNX exporter traces the kernels a forward pass runs and needs a dynamic batch axis, so
 * no kernel attribute may hold the batch size: the same stage at batch 2 and at batch 5 must
 * run the same kernels with the same attributes.
 */

interface KernelCall {
  kernel: string;
  attrs: string;
}

/** Records the top-level kernel calls (name + attributes) that `fn` makes. */
function traceKernels(fn: () => void): KernelCall[] {
  const engine = tf.engine() as unknown as {
    runKernel: (name: string, inputs: unknown, attrs?: Record<string, unknown>) => unknown;
    state: { kernelDepth: number };
  };
  const original = engine.runKernel;
  const calls: KernelCall[] = [];
  engine.runKernel = function (this: unknown, name, inputs, attrs) {
    if (engine.state.kernelDepth === 0) calls.push({ kernel: name, attrs: JSON.stringify(attrs ?? {}) });
    return original.call(this, name, inputs, attrs);
  };
  try {
    fn();
  } finally {
    engine.runKernel = original;
  }
  return calls;
}

const registry = familyRegistry();

describe('batch size never reaches a kernel attribute', () => {
  it.each(stageCases)('$name', ({ plugin, options }) => {
    const stage = registry.get(plugin).create(options, { name: 'stage', seed: 1, upstream: {} });
    stage.build();
    const trace = (batch: number) => {
      const feeds = randomFeeds(stage.inputs, batch, 3, { N: 4, L: 5 });
      const calls = traceKernels(() => tf.dispose(stage.forward(feeds, { inspect: true })));
      tf.dispose(feeds);
      return calls;
    };
    const two = trace(2);
    const five = trace(5);
    expect(two.length).toBeGreaterThan(3);
    expect(five).toEqual(two);
    stage.dispose();
  });

  it('the tracer sees a batch size baked into an attribute', () => {
    const leaky = (batch: number) =>
      traceKernels(() => tf.tidy(() => tf.reshape(tf.zeros([batch, 3]), [batch, 3, 1])));
    expect(leaky(5)).not.toEqual(leaky(2));
  });
});
