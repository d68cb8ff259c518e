import { quote, VlakitError } from '@vlakit/core';
import type { TrainingData } from './batch-source.js';
import { syntheticTrainingData } from './synthetic-source.js';
import type { TrainExperimentConfig } from './training-config.js';

/** Opens the batches `config.data` names. */
export async function openTrainingData(
  config: TrainExperimentConfig,
  context: { baseDir: string },
): Promise<TrainingData> {
  const { data, training, seed } = config;
  switch (data.source) {
    case 'synthetic':
      return syntheticTrainingData({
        seed,
        batchSize: training.batchSize,
        imageSize: data.imageSize,
        chunk: data.chunkLength,
      });
    default:
      throw new VlakitError(
        'config',
        `data.source ${quote(data.source)} needs @vlakit/datasets, which this build of the trainer does not have yet (base folder ${context.baseDir})`,
      );
  }
}
