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
  /** (T, 2 + 3N) observation.environment_state rows (see `environmentStateNames`). */
  environmentState: Float32Array;
  actions: Float32Array;
  done: boolean[];
  /** Per-channel pixel statistics of the frames, values in [0, 1] (for LeRobot's stats.json). */
  imageStats: ImageStats;
}

export interface ImageStats {
  sum: number[];
  sumSq: number[];
  min: number[];
  max: number[];
  /** Pixels per channel. */
  count: number;
}

/** Per-channel sums, squares, minima and maxima of RGB frames, scaled to [0, 1]. */
export function imageStats(frames: readonly Uint8Array[]): ImageStats {
  const st: ImageStats = { sum: [0, 0, 0], sumSq: [0, 0, 0], min: [1, 1, 1], max: [0, 0, 0], count: 0 };
  for (const f of frames) {
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      let sq = 0;
      let lo = 255;
      let hi = 0;
      for (let i = c; i < f.length; i += 3) {
        const v = f[i]!;
        sum += v;
        sq += v * v;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      st.sum[c]! += sum / 255;
      st.sumSq[c]! += sq / (255 * 255);
      st.min[c] = Math.min(st.min[c]!, lo / 255);
      st.max[c] = Math.max(st.max[c]!, hi / 255);
    }
    st.count += f.length / 3;
  }
  return st;
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
        environmentState: demo.environmentStates,
        actions: demo.actions,
        done: demo.done,
        imageStats: imageStats(demo.frames),
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
