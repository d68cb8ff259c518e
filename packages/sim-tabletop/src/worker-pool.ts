/**
 * Spreads episode jobs over worker threads. Every episode depends only on its own seed, so the
 * results (returned in job order) are identical for any number of workers.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BlockSet } from './blocks.js';
import { type EpisodeJob, type JobOptions, type JobResult, runJob } from './episode-jobs.js';
import type { AcceptedReset } from './episodes.js';
import type { EpisodeRef } from './evaluator.js';
import { SimError } from './sim-error.js';

/** The compiled worker script (tests run from src/, so fall back to the package's dist/). */
function workerScript(): URL {
  const local = new URL('./episode-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(local))) return local;
  const built = new URL('../dist/episode-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new SimError(
    'io',
    `worker script not found at ${fileURLToPath(built)}: build @vlakit/sim-tabletop first`,
  );
}

export function defaultWorkers(): number {
  return availableParallelism();
}

/**
 * Runs `jobs` on `workers` threads (1 = in this thread) and returns results in job order.
 * `onResult` sees each result as it arrives (for progress bars and streaming writers).
 */
export async function runJobs(
  jobs: readonly EpisodeJob[],
  options: JobOptions,
  workers: number = defaultWorkers(),
  onResult?: (result: JobResult, index: number) => void,
): Promise<JobResult[]> {
  const results: JobResult[] = new Array(jobs.length);
  const n = Math.max(1, Math.min(workers, jobs.length));
  if (n === 1) {
    for (let i = 0; i < jobs.length; i++) {
      results[i] = await runJob(jobs[i]!, options);
      onResult?.(results[i]!, i);
    }
    return results;
  }
  const script = workerScript();
  let next = 0;
  const pool = Array.from({ length: n }, () => new Worker(script, { workerData: options }));
  try {
    await Promise.all(
      pool.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const feed = () => {
              if (next >= jobs.length) return resolve();
              const id = next++;
              worker.postMessage({ id, job: jobs[id] });
            };
            worker.on('message', (msg: { id: number; result?: JobResult; error?: string }) => {
              if (msg.error !== undefined)
                return reject(new SimError('runtime', `episode job failed: ${msg.error}`));
              results[msg.id] = msg.result!;
              onResult?.(msg.result!, msg.id);
              feed();
            });
            worker.on('error', reject);
            feed();
          }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results;
}

/**
 * A `prepareResets` for `evaluatePolicy` that draws the accepted resets (each one runs the
 * scripted expert) on `workers` threads; pass the evaluation's seed. Same resets as in-thread.
 */
export function workerResetPreparer(
  workers: number = defaultWorkers(),
  seed = 0,
): (episodes: readonly EpisodeRef[], blocks: BlockSet) => Promise<AcceptedReset[]> {
  return async (episodes, blocks) => {
    const jobs = episodes.map((e) => ({ kind: 'accept' as const, family: e.family, index: e.index }));
    const results = await runJobs(
      jobs,
      { blocks, seed, imageWidth: 8, imageHeight: 8, maxSteps: 200 },
      workers,
    );
    return results.map((r) => (r as { accepted: AcceptedReset }).accepted);
  };
}
