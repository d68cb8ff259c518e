import * as tf from '@tensorflow/tfjs';
import * as backendPackage from '@vlakit/backend';
import type { Logger } from '@vlakit/core';

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

type InitBackend = (name: BackendChoice) => Promise<{ backend: string; description: string }>;

/**
 * Selects the tfjs backend for a command with @vlakit/backend's `initBackend` (tensorflow when
 * it loads, else wasm with the faster kernels); returns the backend's name. A build whose
 * @vlakit/backend lacks `initBackend` runs on cpu and says so.
 */
export async function useBackend(choice: BackendChoice, logger: Logger): Promise<string> {
  const init = (backendPackage as unknown as { initBackend?: InitBackend }).initBackend;
  if (typeof init === 'function') {
    const info = await init(choice);
    logger.info(`backend: ${info.description}`);
    return info.backend;
  }
  await tf.setBackend('cpu');
  await tf.ready();
  if (choice !== 'cpu')
    logger.warn(`backend ${choice} needs @vlakit/backend's initBackend, missing in this build: using cpu`);
  return tf.getBackend();
}
