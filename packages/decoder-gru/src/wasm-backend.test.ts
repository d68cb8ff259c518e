import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { StageV1, TensorMap } from '@vlakit/core';
import { randomFeeds } from '@vlakit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildFamilyPipeline,
  stageCases as cases,
  familyRegistry,
  fixedBatch,
  stageSets,
  trainSteps,
} from './test-pipeline.js';

/*
 * Every stage of this family runs forward and backward on the stock wasm backend (no kernel
 * fallbacks registered) and agrees with the cpu backend.
 */

const registry = familyRegistry();

/** Outputs and gradients of every variable under the conformance suite's test loss. */
function run(
  stage: StageV1,
  backend: string,
): { outputs: Record<string, number[]>; grads: Record<string, number[]> } {
  const inputs: TensorMap = randomFeeds(stage.inputs, 3, 7, { N: 4, L: 5 });
  const floatOutputs = stage.outputs.filter((p) => p.dtype === 'float32' && !p.inspection).map((p) => p.name);
  const loss = () =>
    tf.tidy(() => {
      const out = stage.forward(inputs, { training: true });
      let total = tf.scalar(0);
      for (const name of floatOutputs) {
        const t = out[name]!;
        const w = tf.linspace(0.5, 1.5, t.size).reshape(t.shape);
        total = total.add(tf.sum(tf.mul(t, w)).add(tf.sum(tf.square(t)).mul(0.1)));
      }
      return total as tf.Scalar;
    });
  const out = stage.forward(inputs, { inspect: true });
  const outputs = Object.fromEntries(Object.entries(out).map(([k, t]) => [k, Array.from(t.dataSync())]));
  const vars = [...stage.variables()];
  const { value, grads } = tf.variableGrads(
    loss,
    vars.map(([, v]) => v),
  );
  const gradValues = Object.fromEntries(
    vars.map(([name, v]) => [name, Array.from(grads[v.name]!.dataSync())]),
  );
  expect(tf.getBackend()).toBe(backend);
  tf.dispose([value, out, inputs, Object.values(grads)]);
  return { outputs, grads: gradValues };
}

const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));

describe('wasm backend', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(cases)('$name: forward and gradients run on wasm and match cpu', async ({ plugin, options }) => {
    const make = () => {
      const s = registry.get(plugin).create(options, { name: 'stage', seed: 5, upstream: {} });
      s.build();
      return s;
    };
    await tf.setBackend('cpu');
    const onCpu = make();
    const cpu = run(onCpu, 'cpu');
    onCpu.dispose();
    await tf.setBackend('wasm');
    const onWasm = make();
    const wasm = run(onWasm, 'wasm');
    onWasm.dispose();
    for (const [name, values] of Object.entries(cpu.outputs)) {
      expect(maxDiff(wasm.outputs[name]!, values), `output ${name}`).toBeLessThan(1e-4);
    }
    for (const [name, values] of Object.entries(cpu.grads)) {
      const g = wasm.grads[name]!;
      expect(g.every(Number.isFinite) && g.some((x) => x !== 0), `gradient of ${name}`).toBe(true);
      const scale = Math.max(1, ...values.map(Math.abs));
      expect(maxDiff(g, values) / scale, `gradient of ${name}`).toBeLessThan(1e-4);
    }
  });

  it('trains a cross-attention + gru + state-mlp pipeline with Adam on wasm', async () => {
    await tf.setBackend('wasm');
    // the test language encoder's embedding gradient (UnsortedSegmentSum) has no stock wasm kernel
    const stages = { ...stageSets['cross-attention + gru + state-mlp'] };
    const pipeline = buildFamilyPipeline(registry, {
      ...stages,
      language: { ...stages.language, trainable: false },
    });
    const batch = fixedBatch(8);
    const losses = trainSteps(pipeline, batch, 12);
    expect(tf.getBackend()).toBe('wasm');
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.7);
    tf.dispose(batch);
    pipeline.dispose();
  });
});
