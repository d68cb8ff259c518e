import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildPipeline } from '@vlakit/core';
import { evaluateBundle, loadPolicy, type PolicyObservation } from '@vlakit/runtime-onnx';
import { describe, expect, it } from 'vitest';
import { exportPipeline } from './export-pipeline.js';
import { registryWith, tempDir } from './test-helpers.js';

/*
 * The ONNX policy in the simulator's closed loop behaves like the tfjs policy it came from: on
 * the observations the tfjs policy sees, the chunks agree to 1e-4 m, and the success rates of the
 * two evaluations lie within each other's Wilson 95 % interval.
 */
type EvalReport = { pc_success: number; ci95: [number, number] };
type Sim = {
  evaluatePolicy?: (
    policy: (obs: PolicyObservation[]) => Promise<Float32Array[]>,
    options: Record<string, unknown>,
  ) => Promise<EvalReport>;
};
const sim = (await import('@vlakit/sim-tabletop')) as Sim;
const IMAGE = 16;
const normalization = {
  action: { mean: [0, 0], std: [0.05, 0.05] },
  state: { mean: [0, 0], std: [0.2, 0.2] },
};

describe('closed loop: ONNX policy vs tfjs policy in sim-tabletop', () => {
  if (typeof sim.evaluatePolicy !== 'function') {
    it.skip('@vlakit/sim-tabletop has no evaluatePolicy in this checkout yet', () => {});
    return;
  }
  const evaluate = sim.evaluatePolicy;

  it('matches chunk for chunk and in success rate', async () => {
    const pipeline = buildPipeline(
      {
        stages: {
          vision: { plugin: 'test-vision', options: { imageSize: IMAGE, patchSize: 4, dim: 16 } },
          language: { plugin: 'test-language', options: { maxLength: 16, vocabSize: 64, dim: 16 } },
          state: { plugin: 'test-state', options: { dim: 16 } },
          fusion: { plugin: 'test-fusion', options: { dim: 16 } },
          decoder: { plugin: 'test-decoder', options: { chunk: 4 } },
        },
      },
      registryWith(),
      { seed: 21 },
    );
    const bundle = join(tempDir(), 'policy');
    await exportPipeline(pipeline, { outDir: bundle, normalization });
    const onnx = await loadPolicy(bundle, { threads: 1 });
    const tokenizer = pipeline.tokenizer()!;
    let maxDiff = 0;
    let calls = 0;
    const tfjsPolicy = async (obs: PolicyObservation[]): Promise<Float32Array[]> => {
      const b = obs.length;
      const enc = tokenizer.encode(obs.map((o) => o.instruction));
      const actions = tf.tidy(() => {
        const image = tf.tensor(
          Float32Array.from(obs.flatMap((o) => Array.from(o.image as Uint8Array, (x) => x / 255))),
          [b, IMAGE, IMAGE, 3],
        );
        const state = tf.tensor(
          obs.flatMap((o) =>
            Array.from(o.state!, (s, i) => (s - normalization.state.mean[i]!) / normalization.state.std[i]!),
          ),
          [b, 2],
        );
        const out = pipeline.forward({
          image,
          tokenIds: tf.tensor(enc.ids, [b, enc.length], 'int32'),
          mask: tf.tensor(enc.mask, [b, enc.length]),
          state,
        });
        return out['actions']!.mul(normalization.action.std)
          .add(normalization.action.mean)
          .dataSync() as Float32Array; // (B, T, A) metres
      });
      const chunks = obs.map((_, i) => actions.slice(i * 8, (i + 1) * 8));
      const fromOnnx = await onnx.asBatchPolicy()(obs);
      calls++;
      fromOnnx.forEach((c, i) =>
        c.forEach((v, k) => (maxDiff = Math.max(maxDiff, Math.abs(v - chunks[i]![k]!)))),
      );
      return chunks;
    };
    const options = { episodesPerFamily: 4, imageSize: IMAGE, maxSteps: 24, executeSteps: 4, seed: 5 };
    const a = await evaluate(tfjsPolicy, options);
    const b = await evaluateBundle(bundle, evaluate, { ...options, session: { threads: 1 } });
    console.info(
      `closed loop: tfjs ${a.pc_success} % [${a.ci95}], onnx ${b.pc_success} % [${b.ci95}], chunk max abs diff ${maxDiff}`,
    );
    expect(calls).toBeGreaterThan(0);
    expect(maxDiff).toBeLessThan(1e-4);
    expect(b.pc_success).toBeGreaterThanOrEqual(a.ci95[0]);
    expect(b.pc_success).toBeLessThanOrEqual(a.ci95[1]);
    expect(a.pc_success).toBeGreaterThanOrEqual(b.ci95[0]);
    expect(a.pc_success).toBeLessThanOrEqual(b.ci95[1]);
    await onnx.close();
    pipeline.dispose();
  });
});
