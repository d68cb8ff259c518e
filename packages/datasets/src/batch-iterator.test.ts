import { rmSync } from 'node:fs';
import { VlakitError } from '@vlakit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { augmentationConfigSchema } from './augmentation.js';
import { BatchAssembler, type SampleSpec } from './batch-assembler.js';
import { TrainBatchIterator, validationBatches } from './batch-iterator.js';
import { EpisodeDataset } from './episode-dataset.js';
import { type LeRobotDataset, openLeRobotDataset } from './lerobot-reader.js';
import { computeNormalizationStats, Normalizer } from './normalization.js';
import { PrefetchingBatchIterator } from './prefetching-iterator.js';
import { type SimFixture, writeSimFixture } from './test-sim-dataset.js';

let fx: SimFixture;
let ds: LeRobotDataset;
let normalizer: Normalizer;
const spec = (over: Partial<SampleSpec> = {}): SampleSpec => ({
  imageKey: 'observation.image',
  stateKey: 'observation.state',
  actionKey: 'action',
  doneKey: 'auto',
  chunkLength: 3,
  doneTarget: 'frame',
  ...over,
});

beforeAll(async () => {
  fx = writeSimFixture({ episodeLengths: [5, 7, 4] });
  ds = await openLeRobotDataset(fx.dir);
  normalizer = new Normalizer(
    computeNormalizationStats(ds, ds.episodes, { action: 'MEAN_STD', 'observation.state': 'MIN_MAX' }),
  );
});
afterAll(() => rmSync(fx.dir, { recursive: true, force: true }));

describe('BatchAssembler', () => {
  it('builds image, state, action chunk, mask, done, instruction for (episode, t)', () => {
    const asm = new BatchAssembler(ds, normalizer, spec());
    // rows 3 (ep 0, t=3 of 5) and 11 (ep 1, t=6 of 7, its last frame)
    const b = asm.assemble([3, 11]);
    expect([b.size, b.height, b.width, b.chunkLength, b.stateDim, b.actionDim]).toEqual([2, 16, 16, 3, 2, 2]);
    expect(b.images).toHaveLength(2 * 16 * 16 * 3);
    expect(b.images[0]).toBeCloseTo(fx.pixels[3]![0]! / 255, 6);
    expect(b.images[768 + 5]).toBeCloseTo(fx.pixels[11]![5]! / 255, 6);
    expect(Math.max(...b.images)).toBeLessThanOrEqual(1);
    // actions a[3], a[4] valid, a[5] belongs to the next episode: padded with zeros and masked
    expect(Array.from(b.actionMask)).toEqual([1, 1, 0, 1, 0, 0]);
    const a = normalizer.normalize('action', Float32Array.from([...fx.action[3]!, ...fx.action[4]!]));
    expect(Array.from(b.actions.subarray(0, 4))).toEqual(Array.from(a));
    expect(Array.from(b.actions.subarray(4, 6))).toEqual([0, 0]);
    expect(Array.from(b.actions.subarray(8, 12))).toEqual([0, 0, 0, 0]);
    expect(Array.from(b.states.subarray(0, 2))).toEqual(
      Array.from(normalizer.normalize('observation.state', Float32Array.from(fx.state[3]!))),
    );
    expect(Array.from(b.done)).toEqual([0, 1]);
    expect(b.instructions).toEqual([fx.taskOfEpisode[0], fx.taskOfEpisode[1]]);
    expect(Array.from(b.episodeIndices)).toEqual([0, 1]);
    expect(Array.from(b.frameIndices)).toEqual([3, 6]);
    expect(asm.doneSource).toBe('feature');
  });

  it('carries auxiliary features raw, and refuses one the dataset lacks', () => {
    const asm = new BatchAssembler(ds, normalizer, spec({ auxiliaryKeys: ['observation.state'] }));
    const b = asm.assemble([3, 11]);
    expect(b.auxiliary['observation.state']!.dim).toBe(2);
    expect(Array.from(b.auxiliary['observation.state']!.data)).toEqual(
      Array.from(Float32Array.from([...fx.state[3]!, ...fx.state[11]!])),
    );
    expect(Array.from(b.shifts)).toEqual([0, 0, 0, 0]);
    expect(() => new BatchAssembler(ds, normalizer, spec({ auxiliaryKeys: ['observation.nope'] }))).toThrow(
      /auxiliary feature "observation.nope" is not in the dataset; its numeric features are .*"action"/,
    );
  });

  it("startFrame stacks the episode's first frame after the current one, and its auxiliary values after the current ones", () => {
    const asm = new BatchAssembler(
      ds,
      normalizer,
      spec({ startFrame: true, auxiliaryKeys: ['observation.state'] }),
    );
    expect(asm.channels).toBe(6);
    // rows 3 (ep 0 starts at row 0) and 11 (ep 1 starts at row 5)
    const b = asm.assemble([3, 11]);
    expect(b.channels).toBe(6);
    expect(b.images).toHaveLength(2 * 16 * 16 * 6);
    const pixels = 16 * 16;
    for (const [s, row, start] of [
      [0, 3, 0],
      [1, 11, 5],
    ] as const) {
      for (const p of [0, 17, pixels - 1]) {
        for (let c = 0; c < 3; c++) {
          expect(b.images[(s * pixels + p) * 6 + c]).toBeCloseTo(fx.pixels[row]![p * 3 + c]! / 255, 6);
          expect(b.images[(s * pixels + p) * 6 + 3 + c]).toBeCloseTo(fx.pixels[start]![p * 3 + c]! / 255, 6);
        }
      }
    }
    const aux = b.auxiliary['observation.state']!;
    expect(aux.dim).toBe(4);
    expect(Array.from(aux.data)).toEqual(
      Array.from(Float32Array.from([...fx.state[3]!, ...fx.state[0]!, ...fx.state[11]!, ...fx.state[5]!])),
    );
    // the rest of the sample does not change
    const plain = new BatchAssembler(ds, normalizer, spec()).assemble([3, 11]);
    expect(Array.from(b.actions)).toEqual(Array.from(plain.actions));
    expect(Array.from(b.states)).toEqual(Array.from(plain.states));
  });

  it('batches from compressed frames equal batches from decoded frames', async () => {
    const compressed = await openLeRobotDataset(fx.dir, { imageMemory: 'compressed' });
    expect(compressed.getImages('observation.image').data).toBeUndefined();
    const rows = [0, 3, 11, 15];
    const a = new BatchAssembler(ds, normalizer, spec()).assemble(rows);
    const b = new BatchAssembler(compressed, normalizer, spec()).assemble(rows);
    expect(Array.from(b.images)).toEqual(Array.from(a.images));
    expect(Array.from(b.actions)).toEqual(Array.from(a.actions));
  });

  it("doneTarget 'chunk' marks samples whose chunk reaches the done step", () => {
    const asm = new BatchAssembler(ds, normalizer, spec({ doneTarget: 'chunk' }));
    expect(Array.from(asm.assemble([1, 2, 3, 4]).done)).toEqual([0, 1, 1, 1]);
  });

  it("actionsAfterDone 'mask' leaves the steps after the first done frame out of the action loss", () => {
    // episode 0 (rows 0-4) done from frame 2 on, as a recording that idles after success
    const done = Float32Array.from(ds.numeric['next.done']!.data);
    done.fill(1, 2, 5);
    const idling = new EpisodeDataset({
      ...ds,
      numeric: { ...ds.numeric, 'next.done': { ...ds.numeric['next.done']!, data: done } },
      taskOfFrame: ds.taskOfFrame,
      tasks: [...ds.tasks],
      episodes: [...ds.episodes],
    });
    const masked = new BatchAssembler(idling, normalizer, spec({ actionsAfterDone: 'mask' }));
    const b = masked.assemble([0, 1, 2, 3, 5]);
    // the action at frame k follows frame k - 1's done flag: row 3 and row 4 act after success;
    // row 5 starts episode 1 and is not affected by episode 0's flags
    expect(Array.from(b.actionMask)).toEqual([1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1]);
    expect(Array.from(b.done)).toEqual([0, 0, 1, 1, 0]);
    const kept = new BatchAssembler(idling, normalizer, spec());
    expect(Array.from(kept.assemble([3]).actionMask)).toEqual([1, 1, 0]);
  });

  it('without a done feature, the last frame of each episode is done', () => {
    const { 'next.done': _drop, ...numeric } = ds.numeric;
    const noDone = new EpisodeDataset({
      ...ds,
      numeric,
      taskOfFrame: ds.taskOfFrame,
      tasks: [...ds.tasks],
      episodes: [...ds.episodes],
    });
    const asm = new BatchAssembler(noDone, normalizer, spec({ doneKey: 'auto' }));
    expect(asm.doneSource).toBe('episode-end');
    expect(Array.from(asm.assemble([3, 4, 11, 12]).done)).toEqual([0, 1, 1, 0]);
    expect(() => new BatchAssembler(noDone, normalizer, spec({ doneKey: 'next.done' }))).toThrow(
      /no numeric feature "next.done"/,
    );
  });

  it('state-only batches (imageKey null) have empty images', () => {
    const b = new BatchAssembler(ds, normalizer, spec({ imageKey: null })).assemble([0]);
    expect(b.images).toHaveLength(0);
    expect(b.height).toBe(0);
  });

  it('errors: chunk length <= 0, unknown keys, stats of the wrong width', () => {
    for (const chunkLength of [0, -2, 1.5]) {
      expect(() => new BatchAssembler(ds, normalizer, spec({ chunkLength }))).toThrow(
        /chunkLength \(.+\) must be a positive integer/,
      );
    }
    expect(() => new BatchAssembler(ds, normalizer, spec({ imageKey: 'cam' }))).toThrow(
      /no image feature "cam"; image features: observation.image/,
    );
    expect(() => new BatchAssembler(ds, normalizer, spec({ actionKey: 'act' }))).toThrow(
      /no numeric feature "act"/,
    );
    const wrong = new Normalizer({
      version: 1,
      features: {
        ...normalizer.stats.features,
        action: {
          mode: 'IDENTITY',
          mean: [0, 0, 0],
          std: [1, 1, 1],
          min: [0, 0, 0],
          max: [1, 1, 1],
          count: 1,
        },
      },
    });
    try {
      new BatchAssembler(ds, wrong, spec());
      expect.unreachable();
    } catch (e) {
      expect(VlakitError.isInstance(e, 'shape')).toBe(true);
      expect((e as Error).message).toMatch(
        /statistics of "action" have 3 dimensions but the dataset feature has 2/,
      );
    }
  });
});

describe('TrainBatchIterator', () => {
  const make = (seed = 1, augment = false) =>
    new TrainBatchIterator(new BatchAssembler(ds, normalizer, spec()), ds.episodes, {
      batchSize: 4,
      seed,
      augmentation: augmentationConfigSchema.parse({ enabled: augment }),
    });

  it('visits every frame once per epoch in a seeded order, then reshuffles', () => {
    const it1 = make();
    expect(it1.batchesPerEpoch).toBe(4);
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const b = it1.next();
      for (let k = 0; k < b.size; k++) seen.push(`${b.episodeIndices[k]}:${b.frameIndices[k]}`);
    }
    expect(new Set(seen).size).toBe(16);
    expect(it1.epoch).toBe(0);
    const key = (b: { episodeIndices: Int32Array; frameIndices: Int32Array }) =>
      Array.from(b.frameIndices, (f, k) => `${b.episodeIndices[k]}:${f}`).join();
    const epoch1 = Array.from({ length: 4 }, () => key(it1.next()));
    expect(it1.epoch).toBe(1);
    expect(epoch1.join()).not.toBe(seen.join());
    const first = key(make(1).next());
    expect(key(make(1).next())).toBe(first);
    const otherSeeds = [2, 3, 4].map((s) => key(make(s).next()));
    expect(otherSeeds.some((k) => k !== first)).toBe(true);
  });

  it('resumes exactly from a saved state, augmentation included', () => {
    const straight = make(5, true);
    const ref = Array.from({ length: 11 }, () => straight.next());
    const first = make(5, true);
    for (let i = 0; i < 6; i++) first.next();
    const saved = JSON.parse(JSON.stringify(first.getState()));
    const resumed = make(5, true);
    resumed.setState(saved);
    for (let i = 6; i < 11; i++) {
      const b = resumed.next();
      expect(b.images).toEqual(ref[i]!.images);
      expect(b.actions).toEqual(ref[i]!.actions);
      expect(b.frameIndices).toEqual(ref[i]!.frameIndices);
    }
  });

  it('refuses a state from another run and bad batch sizes', () => {
    const it1 = make(1);
    expect(() => it1.setState({ ...make(2).getState() })).toThrow(
      /saved seed 2 differs from this run's seed 1/,
    );
    expect(() => it1.setState({ ...it1.getState(), cursor: 99 })).toThrow(/out of range/);
    const asm = new BatchAssembler(ds, normalizer, spec());
    expect(() => new TrainBatchIterator(asm, ds.episodes, { batchSize: 17, seed: 0 })).toThrow(
      /batchSize \(17\) is larger than the 16 training frames in 3 episodes/,
    );
    expect(() => new TrainBatchIterator(asm, ds.episodes, { batchSize: 0, seed: 0 })).toThrow(
      /batchSize \(0\) must be a positive integer/,
    );
  });
});

describe('PrefetchingBatchIterator', () => {
  const options = (seed: number) => ({
    batchSize: 4,
    seed,
    augmentation: augmentationConfigSchema.parse({ enabled: true }),
  });
  const assembler = (dataset: typeof ds, over: Partial<SampleSpec> = {}) =>
    new BatchAssembler(dataset, normalizer, spec({ auxiliaryKeys: ['observation.state'], ...over }));

  it('gives the batches of TrainBatchIterator from a worker thread, in order, frames compressed or decoded', async () => {
    const compressed = await openLeRobotDataset(fx.dir, { imageMemory: 'compressed' });
    for (const [dataset, over] of [
      [ds, {}],
      [compressed, { startFrame: true }],
    ] as const) {
      const sync = new TrainBatchIterator(assembler(dataset, over), ds.episodes, options(7));
      const worker = new PrefetchingBatchIterator(assembler(dataset, over), ds.episodes, options(7));
      try {
        for (let i = 0; i < 9; i++) {
          const want = sync.next();
          const got = await worker.next();
          expect(got.images).toEqual(want.images);
          expect(got.actions).toEqual(want.actions);
          expect(got.actionMask).toEqual(want.actionMask);
          expect(got.shifts).toEqual(want.shifts);
          expect(got.instructions).toEqual(want.instructions);
          expect(got.auxiliary['observation.state']!.data).toEqual(want.auxiliary['observation.state']!.data);
          expect(worker.getState()).toEqual(sync.getState());
        }
      } finally {
        await worker.close();
      }
    }
    // decoded frames are shared with the worker, not copied
    expect(ds.getImages('observation.image').data!.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('resumes from a saved state (batches fetched ahead are dropped) and refuses a foreign one', async () => {
    const straight = new TrainBatchIterator(assembler(ds), ds.episodes, options(5));
    const ref = Array.from({ length: 10 }, () => straight.next());
    const worker = new PrefetchingBatchIterator(assembler(ds), ds.episodes, options(5));
    try {
      for (let i = 0; i < 3; i++) await worker.next();
      const saved = worker.getState(); // after 3 batches, though more were fetched ahead
      for (let i = 3; i < 6; i++) expect((await worker.next()).frameIndices).toEqual(ref[i]!.frameIndices);
      worker.setState(saved);
      for (let i = 3; i < 10; i++) expect((await worker.next()).images).toEqual(ref[i]!.images);
      expect(() => worker.setState({ ...saved, seed: 2 })).toThrow(
        /saved seed 2 differs from this run's seed 5/,
      );
    } finally {
      await worker.close();
    }
  });
});

describe('validationBatches', () => {
  it('covers every frame once, in order, the last batch smaller, no augmentation', () => {
    const asm = new BatchAssembler(ds, normalizer, spec());
    const batches = [...validationBatches(asm, ds.episodes.slice(1), 3)];
    expect(batches.map((b) => b.size)).toEqual([3, 3, 3, 2]);
    expect(batches.flatMap((b) => Array.from(b.frameIndices))).toEqual([0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3]);
    expect(batches[0]!.images[0]).toBeCloseTo(fx.pixels[5]![0]! / 255, 6);
    expect([...validationBatches(asm, ds.episodes, 4, 5)].flatMap((b) => Array.from(b.frameIndices))).toEqual(
      [0, 0, 5, 3],
    );
    expect(() => validationBatches(asm, ds.episodes, 0)).toThrow(/batchSize \(0\)/);
  });
});
