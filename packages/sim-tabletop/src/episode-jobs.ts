/** The work one episode job does, shared by the worker threads and the in-process path. */
import type { BlockSet } from './blocks.js';
import type { AcceptedReset } from './episodes.js';
import { episodeSeed, generateDemonstration } from './episodes.js';
import { type EpisodeResult, evaluationReset, expertPolicy, runEpisodes } from './evaluator.js';
import { encodePng } from './png-export.js';
import type { Family } from './tasks.js';

export interface JobOptions {
  blocks: BlockSet;
  seed: number;
  imageWidth: number;
  imageHeight: number;
  maxSteps: number;
}

export interface EpisodeJob {
  kind: 'generate' | 'expert' | 'accept';
  family: Family;
  index: number;
}

/** A demonstration ready for the dataset writer: frames already PNG-encoded. */
export interface GeneratedEpisode {
  family: Family;
  index: number;
  seed: number;
  instruction: string;
  attempts: number;
  width: number;
  height: number;
  images: Uint8Array[];
  states: Float32Array;
  actions: Float32Array;
  done: boolean[];
}

export type JobResult =
  | { kind: 'generate'; episode: GeneratedEpisode }
  | { kind: 'expert'; result: EpisodeResult }
  | { kind: 'accept'; accepted: AcceptedReset };

export async function runJob(job: EpisodeJob, o: JobOptions): Promise<JobResult> {
  if (job.kind === 'accept') {
    return { kind: 'accept', accepted: evaluationReset(job, o.blocks, o.seed) };
  }
  if (job.kind === 'generate') {
    const seed = episodeSeed(o.seed, 'generate', job.family, job.index);
    const demo = generateDemonstration(job.family, o.blocks, seed, o.imageWidth, o.imageHeight);
    return {
      kind: 'generate',
      episode: {
        family: job.family,
        index: job.index,
        seed,
        instruction: demo.instruction,
        attempts: demo.attempts,
        width: demo.width,
        height: demo.height,
        images: demo.frames.map((f) => encodePng(f, demo.width, demo.height)),
        states: demo.states,
        actions: demo.actions,
        done: demo.done,
      },
    };
  }
  const [result] = await runEpisodes(expertPolicy(), [{ family: job.family, index: job.index }], {
    blocks: o.blocks,
    seed: o.seed,
    imageWidth: o.imageWidth,
    imageHeight: o.imageHeight,
    maxSteps: o.maxSteps,
  });
  return { kind: 'expert', result: result! };
}
