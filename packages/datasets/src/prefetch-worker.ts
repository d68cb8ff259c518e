/** Worker-thread entry of `PrefetchingBatchIterator`: assembles and augments training batches. */
import { parentPort, workerData } from 'node:worker_threads';
import { type Batch, BatchAssembler } from './batch-assembler.js';
import { TrainBatchIterator } from './batch-iterator.js';
import { EpisodeDataset } from './episode-dataset.js';
import { Normalizer } from './normalization.js';
import type { PrefetchReply, PrefetchRequest, PrefetchWorkerData } from './prefetch-protocol.js';

const data = workerData as PrefetchWorkerData;
const assembler = new BatchAssembler(new EpisodeDataset(data.dataset), new Normalizer(data.stats), data.spec);
const iterator = new TrainBatchIterator(assembler, data.episodes, {
  batchSize: data.batchSize,
  seed: data.seed,
  ...(data.augmentation ? { augmentation: data.augmentation } : {}),
});

/** The batch's typed arrays, moved (not copied) to the main thread. */
function buffers(b: Batch): ArrayBuffer[] {
  const arrays = [
    b.images,
    b.states,
    b.actions,
    b.actionMask,
    b.done,
    b.episodeIndices,
    b.frameIndices,
    b.shifts,
    ...Object.values(b.auxiliary).map((a) => a.data),
  ];
  return arrays.map((a) => a.buffer as ArrayBuffer);
}

parentPort?.on('message', (msg: PrefetchRequest) => {
  try {
    if (msg.type === 'seek') {
      iterator.setState(msg.state);
      return;
    }
    const batch = iterator.next();
    const reply: PrefetchReply = {
      type: 'batch',
      generation: msg.generation,
      batch,
      state: iterator.getState(),
    };
    parentPort!.postMessage(reply, buffers(batch));
  } catch (error) {
    const message = String((error as Error)?.message ?? error);
    parentPort!.postMessage({ type: 'error', generation: msg.generation, message } satisfies PrefetchReply);
  }
});
