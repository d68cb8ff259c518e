import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildPipeline, readSafetensorsFile, toFloat32, VlakitError } from '@vlakit/core';
import { describe, expect, it } from 'vitest';
import { createBatchPolicy, stackFrames } from './batch-policy.js';
import type { BatchSource, TrainingData } from './batch-source.js';
import { listCheckpoints, readCheckpoint } from './checkpoint.js';
import type { EvaluatePolicyOptions } from './evaluate-run.js';
import { loadRun } from './run-loader.js';
import { syntheticTrainingData } from './synthetic-source.js';
import { tempDir, testRegistry, tinyConfig } from './test-helpers.js';
import { train } from './trainer.js';

const registry = testRegistry();

function weightsOf(dir: string, step: number, file = 'model.safetensors'): Map<string, number[]> {
  const f = readSafetensorsFile(join(dir, 'checkpoints', `step-${step}`, file));
  return new Map([...f.tensors].map(([n, t]) => [n, [...toFloat32(t)]]));
}

async function expectVlakitError(p: Promise<unknown>, kind: string, ...fragments: string[]) {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(VlakitError.isInstance(caught), `expected a VlakitError, got ${String(caught)}`).toBe(true);
  expect((caught as VlakitError).kind).toBe(kind);
  for (const f of fragments) expect((caught as Error).message).toContain(f);
  return caught as VlakitError;
}

describe('train', () => {
  it('writes the run folder: config, normalisation, metrics, checkpoints, and lowers the loss', async () => {
    const dir = tempDir();
    const before = tf.memory().numTensors;
    const config = tinyConfig({
      training: { steps: 40, learningRate: 0.01, checkpointEvery: 10, keepLast: 2, validateEvery: 10 },
    });
    const result = await train(config, { outDir: dir, registry });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.step).toBe(40);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).training.steps).toBe(40);
    const norm = JSON.parse(readFileSync(join(dir, 'normalization.json'), 'utf8'));
    expect(norm.action.mean).toHaveLength(2);
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(40);
    for (const k of ['loss', 'action_loss', 'task_loss', 'lr', 'grad_norm', 'samples_per_s'])
      expect(lines[0]).toHaveProperty(k);
    expect(lines.filter((l) => 'val_loss' in l).map((l) => l.step)).toEqual([10, 20, 30, 40]);
    const first = lines.slice(0, 5).reduce((a, l) => a + l.loss, 0) / 5;
    const last = lines.slice(-5).reduce((a, l) => a + l.loss, 0) / 5;
    expect(last).toBeLessThan(first * 0.8);
    // keep-last-2 plus the best; no temporary folders or files left
    const steps = listCheckpoints(join(dir, 'checkpoints'));
    const best = JSON.parse(readFileSync(join(dir, 'checkpoints', 'best.json'), 'utf8'));
    expect(steps.slice(-2)).toEqual([30, 40]);
    expect(new Set(steps)).toEqual(new Set([30, 40, best.step]));
    const all = readdirSync(join(dir, 'checkpoints'), { recursive: true }).map(String);
    expect(all.filter((n) => n.includes('tmp'))).toEqual([]);
    const ckpt = readCheckpoint(join(dir, 'checkpoints', 'step-40'));
    expect(ckpt.state.step).toBe(40);
    expect([...ckpt.model.keys()]).toContain('vision/patch/kernel');
    expect([...ckpt.optimizer.slots.keys()]).toContain('m/vision/patch/kernel');
  });

  it('is deterministic: two runs with the same seed give identical weights', async () => {
    const a = tempDir();
    const b = tempDir();
    await train(tinyConfig(), { outDir: a, registry });
    await train(tinyConfig(), { outDir: b, registry });
    expect(weightsOf(a, 6)).toEqual(weightsOf(b, 6));
    const c = tempDir();
    await train(tinyConfig({ seed: 4 }), { outDir: c, registry });
    expect(weightsOf(c, 6)).not.toEqual(weightsOf(a, 6));
  });

  it('resumes exactly: 3 steps + resume 3 equals 6 uninterrupted steps (weights and optimiser)', async () => {
    const full = tempDir();
    const cut = tempDir();
    const config = tinyConfig({ training: { steps: 6, accumulate: 2, checkpointEvery: 100 } });
    await train(config, { outDir: full, registry });
    const first = await train(config, { outDir: cut, registry, stopAfterStep: 3 });
    expect(first.interrupted).toBe(true);
    expect(listCheckpoints(join(cut, 'checkpoints'))).toEqual([3]);
    const second = await train(config, { outDir: cut, registry, resume: true });
    expect(second.step).toBe(6);
    expect(weightsOf(cut, 6)).toEqual(weightsOf(full, 6));
    expect(weightsOf(cut, 6, 'optimizer.safetensors')).toEqual(weightsOf(full, 6, 'optimizer.safetensors'));
    const metrics = (d: string) =>
      readFileSync(join(d, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).loss);
    expect(metrics(cut)).toEqual(metrics(full));
  });

  it('refuses to overwrite a run without --resume, and a resume with a different experiment', async () => {
    const dir = tempDir();
    await train(tinyConfig({ training: { steps: 2 } }), { outDir: dir, registry });
    await expectVlakitError(
      train(tinyConfig({ training: { steps: 2 } }), { outDir: dir, registry }),
      'config',
      '--resume',
    );
    await expectVlakitError(
      train(tinyConfig({ training: { steps: 2, learningRate: 0.5 } }), {
        outDir: dir,
        registry,
        resume: true,
      }),
      'config',
      'training',
    );
    await expectVlakitError(
      train(tinyConfig(), { outDir: tempDir(), registry, resume: true }),
      'checkpoint',
      'no checkpoint',
    );
  });

  it('gradient accumulation of 2 x 4 equals one batch of 8', async () => {
    // a source that serves the same 8 samples whole or in halves
    const whole = syntheticTrainingData({ seed: 9, batchSize: 8, imageSize: 8, chunk: 2 });
    const big = await whole.train.next();
    const slice = (from: number, to: number) => ({
      ...big,
      size: to - from,
      images: big.images.slice(from * 192, to * 192),
      instructions: big.instructions.slice(from, to),
      states: big.states.slice(from * 2, to * 2),
      actions: big.actions.slice(from * 4, to * 4),
      actionMask: new Float32Array((to - from) * 2).fill(1), // full masks: per-batch means agree
      done: big.done.slice(from, to),
    });
    const fixed = (batches: ReturnType<typeof slice>[]): TrainingData => {
      let i = 0;
      const source: BatchSource = {
        next: () => batches[i++ % batches.length]!,
        getState: () => i,
        setState: (s) => (i = s as number),
      };
      return { train: source, normalization: whole.normalization, description: 'fixed' };
    };
    const noAug = {
      augment: { shift: 0, brightness: 0 },
      optimizer: { type: 'sgd' },
      clipNorm: 0,
      steps: 1,
      checkpointEvery: 1,
    };
    const a = tempDir();
    const b = tempDir();
    await train(tinyConfig({ training: { ...noAug, batchSize: 8 } }), {
      outDir: a,
      registry,
      data: fixed([slice(0, 8)]),
    });
    await train(tinyConfig({ training: { ...noAug, batchSize: 4, accumulate: 2 } }), {
      outDir: b,
      registry,
      data: fixed([slice(0, 4), slice(4, 8)]),
    });
    const wa = weightsOf(a, 1);
    const wb = weightsOf(b, 1);
    for (const [name, values] of wa) values.forEach((v, i) => expect(wb.get(name)![i]).toBeCloseTo(v, 5));
  });

  it('freezing and lrMultiplier 0 leave those variables unchanged; multipliers scale the rest', async () => {
    const dir = tempDir();
    const base = tinyConfig();
    const config = tinyConfig({
      pipeline: {
        stages: {
          ...base.pipeline.stages,
          vision: { plugin: 'test-vision', trainable: false },
          language: { plugin: 'test-language', lrMultiplier: 0 },
          state: { plugin: 'test-state', freeze: ['kernel'] },
        },
      },
      training: { steps: 3 },
    });
    await train(config, { outDir: dir, registry });
    const init = tempDir();
    await train(
      tinyConfig({ training: { steps: 1, learningRate: 1e-12, optimizer: { type: 'sgd', weightDecay: 0 } } }),
      {
        outDir: init,
        registry,
      },
    );
    const w = weightsOf(dir, 3);
    const w0 = weightsOf(init, 1); // ~initial weights (lr 1e-12)
    for (const name of ['vision/patch/kernel', 'language/embedding', 'state/kernel'])
      expect(w.get(name)).toEqual(w0.get(name));
    expect(w.get('fusion/vision/kernel')).not.toEqual(w0.get('fusion/vision/kernel'));
  });

  it('stops on a NaN loss with a clear error and the last good checkpoint intact', async () => {
    const dir = tempDir();
    const good = syntheticTrainingData({ seed: 1, batchSize: 4, imageSize: 8, chunk: 2 });
    let n = 0;
    const poisoned: BatchSource = {
      next: () => {
        const b = good.train.next() as Awaited<ReturnType<BatchSource['next']>>;
        n += 1;
        return n === 5 ? { ...b, actions: b.actions.map(() => Number.NaN) } : b;
      },
      getState: () => ({ n, inner: good.train.getState() }),
      setState: () => {},
    };
    const err = await expectVlakitError(
      train(tinyConfig({ training: { steps: 6, checkpointEvery: 2 } }), {
        outDir: dir,
        registry,
        data: { ...good, train: poisoned },
      }),
      'training',
      'the loss is NaN at step 5',
      'step-4',
    );
    expect(err.details['lastGoodCheckpoint']).toBe(4);
    expect(listCheckpoints(join(dir, 'checkpoints'))).toEqual([2, 4]);
    const ckpt = readCheckpoint(join(dir, 'checkpoints', 'step-4'));
    for (const t of ckpt.model.values()) expect(t.data.every(Number.isFinite)).toBe(true);
    expect(existsSync(join(dir, 'checkpoints', 'step-5'))).toBe(false);
  });

  it('loadRun rebuilds the pipeline with the checkpoint weights and a policy in metres', async () => {
    const dir = tempDir();
    await train(tinyConfig({ training: { steps: 4, checkpointEvery: 2 } }), { outDir: dir, registry });
    const run = loadRun(dir, { registry, checkpoint: 'last' });
    expect(run.step).toBe(4);
    const w = weightsOf(dir, 4);
    expect([...(run.pipeline.variables().get('decoder/actions/kernel')!.dataSync() as Float32Array)]).toEqual(
      w.get('decoder/actions/kernel'),
    );
    const policy = run.policy();
    const obs = [0, 1, 2].map((i) => ({
      image: new Uint8Array(8 * 8 * 3).fill(40 * i),
      width: 8,
      height: 8,
      instruction: i % 2 ? 'red block' : 'blue block',
      state: Float32Array.from([0.5, 0.2 * i]),
    }));
    const chunks = await policy(obs);
    expect(chunks).toHaveLength(3);
    expect(chunks[0]).toHaveLength(4); // (T=2, A=2)
    // un-normalised: actions are about the size of the data's (|a| <= ~0.1 m), not unit-variance
    for (const c of chunks) for (const v of c) expect(Math.abs(v)).toBeLessThan(1);
    expect(() => policy([{ ...obs[0]!, width: 4, height: 4, image: new Uint8Array(48) }])).toThrow(
      /trained on 8x8/,
    );
    run.dispose();
    expect(() => loadRun(tempDir(), { registry })).toThrow(/no config.json/);
  });

  it('a vision stage that takes the start frame needs data with it, and says so', async () => {
    const config = tinyConfig({
      pipeline: {
        stages: {
          ...tinyConfig().pipeline.stages,
          vision: { plugin: 'test-vision', options: { channels: 6 } },
        },
      },
    });
    await expect(train(config, { outDir: tempDir(), registry })).rejects.toThrow(
      /the batches carry 3-channel images \(data.startFrame off\) but the pipeline's image input takes 6 channels/,
    );
  });

  it("a start-frame policy feeds each observation's first frame after its image, and needs it", () => {
    const pipeline = buildPipeline(
      {
        stages: {
          ...tinyConfig().pipeline.stages,
          vision: { plugin: 'test-vision', options: { channels: 6 } },
        },
      },
      registry,
      { seed: 5 },
    );
    pipeline.build();
    const stats = { action: { mean: [0, 0], std: [1, 1] }, state: { mean: [0, 0], std: [1, 1] } };
    const policy = createBatchPolicy(pipeline, stats);
    const frame = (v: number) => new Uint8Array(8 * 8 * 3).fill(v);
    const obs = {
      image: frame(30),
      width: 8,
      height: 8,
      instruction: 'red block',
      state: new Float32Array(2),
    };
    const a = policy([{ ...obs, startImage: frame(200) }]) as Float32Array[];
    const b = policy([{ ...obs, startImage: frame(10) }]) as Float32Array[];
    expect(Array.from(a[0]!)).not.toEqual(Array.from(b[0]!));
    expect(() => policy([obs])).toThrow(/observation 0 has no startImage of 192 bytes \(got none\)/);
    const stacked = stackFrames([{ ...obs, startImage: frame(255) }], 64, 6);
    expect(Array.from(stacked.subarray(0, 12))).toEqual(
      Array.from(Float32Array.from([30, 30, 30, 255, 255, 255, 30, 30, 30, 255, 255, 255], (v) => v / 255)),
    );
    pipeline.dispose();
  });

  it('calls the evaluator at the end and records its report in metrics.jsonl', async () => {
    const dir = tempDir();
    const report = {
      episodes_per_family: 1,
      pc_success: 50,
      families: { reach: { pc_success: 50, ci95: [1, 99] } },
    };
    const calls: EvaluatePolicyOptions[] = [];
    const result = await train(
      tinyConfig({
        training: { steps: 4 },
        eval: { every: 2, atEnd: true, episodesPerFamily: 3, executeSteps: 1 },
      }),
      {
        outDir: dir,
        registry,
        evaluatePolicy: async (policy, options) => {
          calls.push(options);
          const out = await policy([
            {
              image: new Uint8Array(192),
              width: 8,
              height: 8,
              instruction: 'red block',
              state: new Float32Array(2),
            },
          ]);
          expect(out[0]).toHaveLength(4);
          return report;
        },
      },
    );
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({ episodesPerFamily: 3, executeSteps: 1, imageSize: 8, blocks: 4 });
    expect(result.evaluation).toEqual(report);
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.eval).map((l) => l.step)).toEqual([2, 4]);
  });

  it('a time budget sizes the number of steps to what fits', async () => {
    const dir = tempDir();
    const result = await train(tinyConfig({ training: { steps: 100000, timeBudgetSeconds: 0.5 } }), {
      outDir: dir,
      registry,
    });
    expect(result.totalSteps).toBeGreaterThan(0);
    expect(result.totalSteps).toBeLessThan(100000);
    expect(result.trainSeconds).toBeLessThan(2);
  });

  /**
   * Trains under a 2 s budget with a fake clock: every reading advances `firstMs` for the first
   * 200 readings (the probe and the first ~95 steps, two readings per step), `laterMs` afterwards.
   */
  const trainAtPace = (firstMs: number, laterMs: number, steps = 100000) => {
    let readings = 0;
    let ms = 0;
    const clock = () => {
      ms += readings++ < 200 ? firstMs : laterMs;
      return ms;
    };
    const config = tinyConfig({
      training: { steps, timeBudgetSeconds: 2, checkpointEvery: 100000, validateEvery: 0 },
    });
    return train(config, { outDir: tempDir(), registry, clock });
  };

  it('a time budget holds when later steps run slower than the sized pace: the run shrinks', async () => {
    const result = await trainAtPace(5, 10);
    // sized at 5 ms (+10 %) a step: ~363 steps; at the slower pace that would take ~3.5 s and hit
    // the 1.2x stop; shrinking keeps it inside the budget and ends on the schedule's last step
    expect(result.totalSteps).toBeLessThan(300);
    expect(result.step).toBe(result.totalSteps);
    expect(result.trainSeconds).toBeLessThanOrEqual(2 * 1.05);
    expect(result.trainSeconds).toBeGreaterThan(2 * 0.8);
  });

  it('a time budget is used up when later steps run faster than the sized pace: the run grows', async () => {
    const result = await trainAtPace(10, 5);
    // sized at 10 ms a step: ~180 steps, which at the faster pace would end after ~1.4 s; growing
    // fills the budget and still ends on the schedule's last step
    expect(result.totalSteps).toBeGreaterThan(250);
    expect(result.step).toBe(result.totalSteps);
    expect(result.trainSeconds).toBeLessThanOrEqual(2 * 1.05);
    expect(result.trainSeconds).toBeGreaterThan(2 * 0.9);
  });

  it('a growing time budget never runs past training.steps', async () => {
    const result = await trainAtPace(10, 1, 300);
    expect(result.totalSteps).toBe(300);
    expect(result.step).toBe(300);
  });
});
