/** @vlakit/sim-tabletop/node: file and PNG output and worker threads (Node-only). */
export {
  type EpisodeJob,
  type GeneratedEpisode,
  type JobOptions,
  type JobResult,
  runJob,
} from './episode-jobs.js';
export { encodePng, filmstrip, writeFileAtomic, writeFilmstripPng, writeFramePng } from './png-export.js';
export { defaultWorkers, runJobs, workerResetPreparer } from './worker-pool.js';
