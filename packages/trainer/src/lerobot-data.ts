import { resolve } from 'node:path';
import { VlakitError } from '@vlakit/core';
import { type Batch, type Normalizer, parseDataConfig, prepareTrainingData } from '@vlakit/datasets';
import type {
  BatchSource,
  FeatureStats,
  NormalizationStats,
  TrainingBatch,
  TrainingData,
} from './batch-source.js';
import type { LeRobotDataConfig } from './training-config.js';

/** A @vlakit/datasets batch as the trainer's batch (same arrays, no copy). */
export function fromDatasetBatch(b: Batch): TrainingBatch {
  return {
    size: b.size,
    images: b.images,
    imageHeight: b.height,
    imageWidth: b.width,
    imageChannels: b.channels,
    instructions: b.instructions,
    states: b.states,
    stateDim: b.stateDim,
    actions: b.actions,
    chunk: b.chunkLength,
    actionDim: b.actionDim,
    actionMask: b.actionMask,
    done: b.done,
    auxiliary: b.auxiliary,
    shifts: b.shifts,
  };
}

/** The affine map of a feature as {mean: offset, std: scale}, read off the datasets Normalizer. */
function affine(normalizer: Normalizer, key: string | null): FeatureStats {
  if (key === null) return { mean: [], std: [] };
  const d = normalizer.dim(key);
  const offset = normalizer.unnormalize(key, new Float32Array(d));
  const one = normalizer.unnormalize(key, new Float32Array(d).fill(1));
  return { mean: [...offset], std: [...one].map((v, i) => v - offset[i]!) };
}

/** Validation batches as a rewindable source: the first pass is cached. */
class ValidationSource implements BatchSource {
  private readonly cache: TrainingBatch[] = [];
  private index = 0;
  constructor(private readonly make: () => Generator<Batch>) {}
  private it: Generator<Batch> | undefined;
  next(): TrainingBatch {
    if (this.index < this.cache.length) return this.cache[this.index++]!;
    this.it ??= this.make();
    const r = this.it.next();
    if (r.done) {
      this.index = 0;
      if (this.cache.length === 0) throw new VlakitError('dataset', 'the validation split yields no batches');
      return this.next();
    }
    const b = fromDatasetBatch(r.value);
    this.cache.push(b);
    this.index++;
    return b;
  }
  getState(): unknown {
    return this.index;
  }
  setState(state: unknown): void {
    this.index = state as number;
  }
}

/** Training and validation batches from a LeRobot v3 folder through @vlakit/datasets. */
export async function lerobotTrainingData(
  config: LeRobotDataConfig,
  options: { seed: number; batchSize: number; validationBatchSize?: number; baseDir: string },
): Promise<TrainingData> {
  const { source: _source, ...rest } = config;
  const dataConfig = parseDataConfig({ ...rest, dir: resolve(options.baseDir, config.dir) }, 'config.data');
  const prepared = await prepareTrainingData(dataConfig, options.seed);
  const normalizer = prepared.normalizer;
  const normalization: NormalizationStats = {
    action: affine(normalizer, dataConfig.actionKey),
    state: affine(normalizer, dataConfig.stateKey),
  };
  const iterator = dataConfig.prefetch
    ? prepared.prefetchingIterator(options.batchSize)
    : prepared.trainIterator(options.batchSize);
  const train: BatchSource = {
    next: async () => fromDatasetBatch(await iterator.next()),
    getState: () => iterator.getState(),
    setState: (s) => iterator.setState(s as Parameters<typeof iterator.setState>[0]),
  };
  const hasValidation = prepared.split.val.length > 0;
  return {
    train,
    ...(hasValidation
      ? {
          validation: new ValidationSource(() =>
            prepared.valBatches(options.validationBatchSize ?? options.batchSize),
          ),
        }
      : {}),
    normalization,
    datasetStats: prepared.stats,
    close: async () => {
      if ('close' in iterator) await iterator.close();
    },
    description: `${dataConfig.dir}: ${prepared.split.train.length} training and ${prepared.split.val.length} validation episodes`,
  };
}
