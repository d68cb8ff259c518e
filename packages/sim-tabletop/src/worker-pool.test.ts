import { describe, expect, it } from 'vitest';
import type { EpisodeJob } from './episode-jobs.js';
import { runJobs } from './worker-pool.js';

describe('runJobs', () => {
  it('gives identical results with one worker and with two', async () => {
    const jobs: EpisodeJob[] = [
      { kind: 'generate', family: 'block2block', index: 0 },
      { kind: 'generate', family: 'separate_blocks', index: 0 },
      { kind: 'expert', family: 'block2block_relative_location', index: 2 },
    ];
    const options = { blocks: 4 as const, seed: 5, imageWidth: 32, imageHeight: 32, maxSteps: 200 };
    const one = await runJobs(jobs, options, 1);
    const two = await runJobs(jobs, options, 2);
    expect(two).toEqual(one);
    expect(one[0]!.kind).toBe('generate');
  });
});

describe('workerResetPreparer', () => {
  it('draws the same evaluation resets on worker threads as in this thread', async () => {
    const { evaluationReset } = await import('./evaluator.js');
    const { workerResetPreparer } = await import('./worker-pool.js');
    const episodes = [
      { family: 'block2block' as const, index: 0 },
      { family: 'separate_blocks' as const, index: 3 },
    ];
    const prepared = await workerResetPreparer(2, 7)(episodes, 8);
    expect(prepared).toEqual(episodes.map((e) => evaluationReset(e, 8, 7)));
  });
});
