import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { buildPipeline } from '@vlakit/core';
import { loadPolicy, type OnnxPolicy } from '@vlakit/runtime-onnx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPipeline } from './export-pipeline.js';
import { registryWith, tempDir } from './test-helpers.js';

// A pipeline with every input role: image, tokens + mask, state.
const spec = {
  stages: {
    vision: { plugin: 'test-vision' },
    language: { plugin: 'test-language', options: { maxLength: 12, vocabSize: 40 } },
    state: { plugin: 'test-state' },
    fusion: { plugin: 'test-fusion' },
    decoder: { plugin: 'test-decoder', options: { chunk: 3 } },
  },
};
const normalization = {
  action: { mean: [0.01, -0.02], std: [0.05, 0.04] },
  state: { mean: [0.1, 0.2], std: [0.3, 0.25] },
};

function observation(seed: number) {
  const image = new Uint8Array(8 * 8 * 3);
  for (let i = 0; i < image.length; i++) image[i] = (i * 31 + seed * 17) % 256;
  return {
    image,
    width: 8,
    height: 8,
    instruction: ['push the red moon left', 'move the blue cube up', 'slide the star'][seed % 3]!,
    state: [0.05 * seed, -0.1],
  };
}

describe('runtime-onnx runs an exported bundle like the tfjs pipeline', () => {
  const out = tempDir();
  const bundle = join(out, 'policy');
  const pipeline = buildPipeline(spec, registryWith(), { seed: 11 });
  let policy: OnnxPolicy;

  beforeAll(async () => {
    await exportPipeline(pipeline, { outDir: bundle, normalization, meta: { run: 'test', step: 1 } });
    policy = await loadPolicy(bundle);
    if (process.env['VLAKIT_WRITE_FIXTURE'] === '1') {
      const fixture = fileURLToPath(new URL('../../runtime-onnx/test/fixtures/test-policy', import.meta.url));
      rmSync(fixture, { recursive: true, force: true });
      mkdirSync(fixture, { recursive: true });
      cpSync(bundle, fixture, { recursive: true });
      const obs = [0, 1, 2].map(observation);
      const expected = await policy.actBatch(obs);
      writeFileSync(
        join(fixture, 'expected.json'),
        JSON.stringify({
          seeds: [0, 1, 2],
          results: expected.map((r) => ({ actions: r.actions, done: r.done })),
        }),
      );
    }
  });
  afterAll(async () => {
    await policy.close();
    pipeline.dispose();
  });

  it('act returns (T, A) actions in real units and a done probability equal to tfjs', async () => {
    const obs = observation(1);
    const r = await policy.act(obs);
    expect(r.actions.length).toBe(3);
    expect(r.actions[0]!.length).toBe(2);
    expect(r.done).toBeGreaterThan(0);
    expect(r.done).toBeLessThan(1);
    // the same observation through tfjs, with the same preprocessing done by hand
    const tok = pipeline.tokenizer()!.encode([obs.instruction]);
    const want = tf.tidy(() => {
      const o = pipeline.forward({
        image: tf.tensor(
          Float32Array.from(obs.image, (x) => x / 255),
          [1, 8, 8, 3],
        ),
        tokenIds: tf.tensor(tok.ids, [1, 12], 'int32'),
        mask: tf.tensor(tok.mask, [1, 12]),
        state: tf.tensor([(obs.state[0]! - 0.1) / 0.3, (obs.state[1]! - 0.2) / 0.25], [1, 2]),
      });
      return { a: o['actions']!.dataSync().slice(), d: o['done']!.dataSync()[0]! };
    });
    const realUnits = Array.from(
      want.a,
      (v, i) => v * normalization.action.std[i % 2]! + normalization.action.mean[i % 2]!,
    );
    r.actions.flat().forEach((v, i) => expect(v).toBeCloseTo(realUnits[i]!, 5));
    expect(r.done).toBeCloseTo(1 / (1 + Math.exp(-want.d)), 5);
  });

  it('actBatch gives the same results as act one by one', async () => {
    const obs = [0, 1, 2, 3].map(observation);
    const batch = await policy.actBatch(obs);
    for (let i = 0; i < obs.length; i++) {
      const single = await policy.act(obs[i]!);
      single.actions.flat().forEach((v, k) => expect(batch[i]!.actions.flat()[k]).toBeCloseTo(v, 5));
    }
    const asBatch = await policy.asBatchPolicy()(obs);
    expect(asBatch[2]!.length).toBe(6);
  });

  it('rejects bad observations with messages that name what was wrong', async () => {
    const ok = observation(0);
    await expect(policy.act({ ...ok, image: new Uint8Array(10) })).rejects.toThrow(
      /expects 8x8x3 = 192 values/,
    );
    await expect(policy.act({ ...ok, width: 16 })).rejects.toThrow(/image is 16x8/);
    await expect(policy.act({ ...ok, image: new Int16Array(192) as unknown as Uint8Array })).rejects.toThrow(
      /image must be a Uint8Array .* got Int16Array\(192\)/,
    );
    await expect(policy.act({ ...ok, instruction: '  ' })).rejects.toThrow(
      /instruction must be a non-empty string/,
    );
    await expect(policy.act({ ...ok, state: [1, 2, 3] })).rejects.toThrow(
      /state has 3 values; the policy expects 2/,
    );
    await expect(policy.act({ image: ok.image, instruction: ok.instruction })).rejects.toThrow(
      /needs state \(2 numbers\)/,
    );
    await expect(policy.actBatch([])).rejects.toThrow(/non-empty array/);
  });

  it('falls back to the CPU with a clear message when a provider cannot start', async () => {
    const warnings: string[] = [];
    const p = await loadPolicy(bundle, {
      executionProviders: ['cuda', 'cpu'],
      onWarning: (m) => warnings.push(m),
    });
    if (p.executionProvider === 'cpu')
      expect(warnings.join('\n')).toMatch(/execution provider cuda is unavailable .*falling back to CPU/);
    expect((await p.act(observation(2))).actions.length).toBe(3);
    await p.close();
  });

  it('reports the tokenizer files and a self-check in policy.json', () => {
    const json = JSON.parse(readFileSync(join(bundle, 'policy.json'), 'utf8'));
    expect(json.tokenizer.files).toEqual(['tokenizer/tokenizer.json']);
    expect(json.tokenizer.samples.length).toBeGreaterThan(0);
    expect(json.normalization.state).toEqual(normalization.state);
  });
});

describe('a policy trained with the start frame (6-channel image)', () => {
  const bundle = join(tempDir(), 'policy');
  const pipeline = buildPipeline(
    { ...spec, stages: { ...spec.stages, vision: { plugin: 'test-vision', options: { channels: 6 } } } },
    registryWith(),
    { seed: 12 },
  );
  let policy: OnnxPolicy;
  beforeAll(async () => {
    await exportPipeline(pipeline, { outDir: bundle, normalization });
    policy = await loadPolicy(bundle);
  });
  afterAll(async () => {
    await policy.close();
    pipeline.dispose();
  });

  it("stacks the episode's first frame after the current one, as the trainer does", async () => {
    expect(JSON.parse(readFileSync(join(bundle, 'policy.json'), 'utf8')).image.channels).toBe(6);
    const obs = { ...observation(1), startImage: observation(2).image };
    const r = await policy.act(obs);
    const stacked = new Float32Array(8 * 8 * 6); // (8, 8, 6): current RGB, then the first frame's
    for (let p = 0; p < 64; p++)
      for (let c = 0; c < 3; c++) {
        stacked[p * 6 + c] = obs.image[p * 3 + c]! / 255;
        stacked[p * 6 + 3 + c] = obs.startImage[p * 3 + c]! / 255;
      }
    const tok = pipeline.tokenizer()!.encode([obs.instruction]);
    const want = tf.tidy(() =>
      pipeline
        .forward({
          image: tf.tensor(stacked, [1, 8, 8, 6]),
          tokenIds: tf.tensor(tok.ids, [1, 12], 'int32'),
          mask: tf.tensor(tok.mask, [1, 12]),
          state: tf.tensor([(obs.state[0]! - 0.1) / 0.3, (obs.state[1]! - 0.2) / 0.25], [1, 2]),
        })
        ['actions']!.dataSync()
        .slice(),
    );
    r.actions.flat().forEach((v, i) => {
      expect(v).toBeCloseTo(
        want[i]! * normalization.action.std[i % 2]! + normalization.action.mean[i % 2]!,
        5,
      );
    });
    // the first frame matters: another start frame, other actions
    const other = await policy.act({ ...obs, startImage: observation(0).image });
    expect(other.actions.flat()).not.toEqual(r.actions.flat());
  });

  it('says the first frame is missing when an observation has none', async () => {
    await expect(policy.act(observation(1))).rejects.toThrow(
      /startImage must be a Uint8Array .*got undefined \(this policy reads the episode's first frame too/,
    );
  });
});
