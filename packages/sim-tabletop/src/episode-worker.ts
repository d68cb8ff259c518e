/** Worker-thread entry: runs episode jobs sent by `runJobs` and posts each result back. */
import { parentPort, workerData } from 'node:worker_threads';
import { type EpisodeJob, type JobOptions, runJob } from './episode-jobs.js';

const options = workerData as JobOptions;
parentPort?.on('message', async (msg: { id: number; job: EpisodeJob }) => {
  try {
    const result = await runJob(msg.job, options);
    const transfer =
      result.kind === 'generate' ? result.episode.images.map((b) => b.buffer as ArrayBuffer) : [];
    parentPort!.postMessage({ id: msg.id, result }, transfer);
  } catch (error) {
    parentPort!.postMessage({ id: msg.id, error: String((error as Error)?.stack ?? error) });
  }
});
