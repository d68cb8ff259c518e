import * as tf from '@tensorflow/tfjs';
import { type Logger, VlakitError } from '@vlakit/core';

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** Selects the tfjs backend for a command; returns its name. */
export async function useBackend(choice: BackendChoice, logger: Logger): Promise<string> {
  if (choice === 'cpu' || choice === 'auto') {
    await tf.setBackend('cpu');
    await tf.ready();
    if (choice === 'auto') logger.warn('@vlakit/backend is not in this build: training on the cpu backend');
    return tf.getBackend();
  }
  throw new VlakitError(
    'backend',
    `backend ${choice} needs @vlakit/backend, which this build does not have yet`,
  );
}
