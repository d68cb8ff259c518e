import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AugmentationConfig } from './augmentation.js';
import type { Batch, BatchAssembler } from './batch-assembler.js';
import { type BatchIteratorState, TrainBatchIterator } from './batch-iterator.js';
import { datasetError } from './dataset-error.js';
import type { EpisodeRecord, ImageFeature } from './episode-dataset.js';
import type { PrefetchReply, PrefetchRequest, PrefetchWorkerData } from './prefetch-protocol.js';

/** The compiled worker script (tests run from src/, so fall back to the package's dist/). */
function workerScript(): URL {
  const local = new URL('./prefetch-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(local))) return local;
  const built = new URL('../dist/prefetch-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw datasetError(
    `prefetch worker script not found at ${fileURLToPath(built)}: build @vlakit/datasets first`,
  );
}

/**
 * The parent's Node flags without `--conditions source`: the worker script is compiled, so the
 * packages it imports must resolve to their builds too (test runners add that condition).
 */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--conditions' && argv[i + 1] === 'source') i++;
    else if (argv[i] !== '--conditions=source' && argv[i] !== '-C=source') out.push(argv[i]!);
  }
  return out;
}

/**
 * Decoded frames moved into a SharedArrayBuffer (once), so the worker reads the same memory
 * instead of a copy; compressed frames are small and are copied.
 */
function shareImages(feature: ImageFeature): ImageFeature {
  const data = feature.data;
  if (data === undefined || data.buffer instanceof SharedArrayBuffer) return feature;
  const shared = new Uint8Array(new SharedArrayBuffer(data.byteLength));
  shared.set(data);
  feature.data = shared;
  return feature;
}

/**
 * The training iterator of `TrainBatchIterator` run in a worker thread: while the trainer
 * computes on one batch, the next ones are assembled, inflated and augmented on another core.
 * The batches, their order and the resumable state are exactly those of `TrainBatchIterator`
 * with the same options; `next` is asynchronous. `close` ends the worker.
 */
export class PrefetchingBatchIterator {
  private readonly shadow: TrainBatchIterator; // validates states and knows the start state
  private readonly worker: Worker;
  private state: BatchIteratorState;
  private generation = 0;
  private readonly ready: PrefetchReply[] = [];
  private waiting: ((reply: PrefetchReply) => void) | undefined;
  private inFlight = 0;
  private failure: Error | undefined;
  private readonly depth: number;

  constructor(
    assembler: BatchAssembler,
    episodes: readonly EpisodeRecord[],
    options: { batchSize: number; seed: number; augmentation?: AugmentationConfig; depth?: number },
  ) {
    this.shadow = new TrainBatchIterator(assembler, episodes, options);
    this.state = this.shadow.getState();
    this.depth = options.depth ?? 2;
    const ds = assembler.dataset;
    const key = assembler.spec.imageKey;
    const images = key === null ? {} : { [key]: shareImages(ds.getImages(key)) };
    const workerData: PrefetchWorkerData = {
      dataset: {
        source: ds.source,
        fps: ds.fps,
        episodes: ds.episodes,
        numeric: { ...ds.numeric },
        images,
        taskOfFrame: ds.taskOfFrame,
        tasks: ds.tasks,
      },
      stats: assembler.normalizer.stats,
      spec: assembler.spec,
      episodes,
      batchSize: options.batchSize,
      seed: options.seed,
      ...(options.augmentation?.enabled ? { augmentation: options.augmentation } : {}),
    };
    this.worker = new Worker(workerScript(), { workerData, execArgv: workerExecArgv() });
    this.worker.unref();
    this.worker.on('message', (reply: PrefetchReply) => {
      if (reply.generation !== this.generation) return; // made before a seek
      this.inFlight--;
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(reply);
      } else this.ready.push(reply);
    });
    this.worker.on('error', (error) => {
      this.failure = error;
      this.waiting?.({ type: 'error', generation: this.generation, message: error.message });
    });
  }

  get batchSize(): number {
    return this.shadow.batchSize;
  }

  get seed(): number {
    return this.shadow.seed;
  }

  /** Number of training samples (frames). */
  get numSamples(): number {
    return this.shadow.numSamples;
  }

  /** Keeps `depth` batches requested ahead. */
  private fill(): void {
    while (this.inFlight + this.ready.length < this.depth) {
      this.worker.postMessage({ type: 'next', generation: this.generation } satisfies PrefetchRequest);
      this.inFlight++;
    }
  }

  /** The next batch (the same as `TrainBatchIterator.next` would give). */
  async next(): Promise<Batch> {
    if (this.failure) throw datasetError(`the batch prefetch worker failed: ${this.failure.message}`);
    this.fill();
    let reply = this.ready.shift();
    if (reply === undefined) {
      // an idle worker does not keep the process alive; one being waited for does
      this.worker.ref();
      reply = await new Promise<PrefetchReply>((resolve) => (this.waiting = resolve));
      this.worker.unref();
    }
    if (reply.type === 'error') throw datasetError(`the batch prefetch worker failed: ${reply.message}`);
    this.state = reply.state;
    this.fill();
    return reply.batch;
  }

  /** Where the next `next()` continues from (batches prefetched but not taken do not count). */
  getState(): BatchIteratorState {
    return { ...this.state };
  }

  /** Continues from a saved state; refuses one from other data or another batch size, as `TrainBatchIterator` does. */
  setState(state: BatchIteratorState): void {
    this.shadow.setState(state);
    this.state = this.shadow.getState();
    this.generation++;
    this.ready.length = 0;
    this.inFlight = 0;
    this.worker.postMessage({
      type: 'seek',
      generation: this.generation,
      state: this.state,
    } satisfies PrefetchRequest);
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
