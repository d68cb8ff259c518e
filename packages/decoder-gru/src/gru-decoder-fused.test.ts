import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadNativeBlas, registerGruKernels, unregisterGruKernels } from '@vlakit/backend';
import { FUSED_KERNELS, memoryLogger } from '@vlakit/core';
import { describeStageConformance } from '@vlakit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GruDecoderPlugin } from './index.js';

/*
 * The whole decoder with the fused GRU kernels registered (@vlakit/backend): the stage conformance
 * suite still passes, and outputs and every variable's gradient equal the composed decoder's.
 */

const plugin = new GruDecoderPlugin(memoryLogger());
const STEP_INPUTS = ['both', 'queries', 'fused'] as const;
const options = (stepInput: (typeof STEP_INPUTS)[number]) => ({
  fusedDim: 8,
  hidden: 6,
  chunk: 3,
  actionDim: 2,
  queryDim: 4,
  stepInput,
});

describe('gru decoder with the fused GRU kernels registered', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu'); // importing tfjs-backend-wasm made wasm the default
    registerGruKernels();
  });
  afterAll(() => unregisterGruKernels());

  for (const stepInput of STEP_INPUTS) {
    describeStageConformance(`gru fused kernels (step input ${stepInput})`, {
      create: (seed) => plugin.create(options(stepInput), { name: 'decoder', seed, upstream: {} }),
    });
  }
});

/** Outputs, then the gradient of every variable, of sum(actions * w) + sum(done), as flat arrays. */
function run(stepInput: (typeof STEP_INPUTS)[number]): { values: Float32Array[]; kernels: string[] } {
  const stage = plugin.create(options(stepInput), { name: 'decoder', seed: 3, upstream: {} });
  stage.build();
  const fused = tf.tensor2d(
    Float32Array.from({ length: 5 * 8 }, (_, i) => Math.sin(i * 0.77)),
    [5, 8],
  ); // (B, D)
  const kernels: string[] = [];
  const engine = tf.engine();
  const original = engine.runKernel.bind(engine);
  engine.runKernel = ((name: string, ...rest: unknown[]) => {
    kernels.push(name);
    return (original as (...a: unknown[]) => unknown)(name, ...rest);
  }) as typeof original;
  const vars = [...stage.variables().values()];
  let values: Float32Array[];
  try {
    values = tf.tidy(() => {
      const out = stage.forward({ fused }, { training: true });
      const loss = () => {
        const o = stage.forward({ fused }, { training: true });
        const w = tf.linspace(0.5, 1.5, o['actions']!.size).reshape(o['actions']!.shape);
        return tf.add(tf.sum(tf.mul(o['actions']!, w)), tf.sum(o['done']!)) as tf.Scalar;
      };
      const { grads } = tf.variableGrads(loss, vars);
      return [out['actions']!, out['done']!, ...vars.map((v) => grads[v.name]!)].map(
        (t) => t.dataSync() as Float32Array,
      );
    });
  } finally {
    engine.runKernel = original;
  }
  tf.dispose(fused);
  stage.dispose();
  return { values, kernels };
}

const maxDiff = (a: Float32Array[], b: Float32Array[]) =>
  Math.max(
    ...a.map((row, i) =>
      Math.max(...Array.from(row, (v, j) => Math.abs(v - b[i]![j]!) / (1 + Math.abs(b[i]![j]!)))),
    ),
  );

describe.each(['cpu', 'wasm'])('gru decoder, fused GRU kernels against composed ops on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });
  afterAll(async () => {
    unregisterGruKernels();
    await tf.setBackend('cpu');
  });

  it.each(STEP_INPUTS)('stepInput %s: outputs and all variable gradients within 1e-5', (stepInput) => {
    unregisterGruKernels();
    const composed = run(stepInput);
    expect(composed.kernels).not.toContain(FUSED_KERNELS.gruSequence);
    const blas = loadNativeBlas();
    registerGruKernels({ native: backend === 'wasm' && blas.loaded ? blas.blas : undefined });
    const fused = run(stepInput);
    expect(fused.kernels).toContain(FUSED_KERNELS.gruSequence);
    expect(fused.kernels).toContain(FUSED_KERNELS.gruSequenceGrad);
    expect(maxDiff(fused.values, composed.values)).toBeLessThan(1e-5);
  });
});
