import * as tf from '@tensorflow/tfjs';
import { VlakitError } from '@vlakit/core';

/** The packages that provide tfjs's native `tensorflow` backend, tried in this order. */
export const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

export type ImportModule = (specifier: string) => Promise<unknown>;

const defaultImport: ImportModule = (specifier) => import(specifier);

/**
 * Lazily imports @tensorflow/tfjs-node-gpu, else @tensorflow/tfjs-node (optional peers; importing one
 * registers the `tensorflow` backend), and returns the package that loaded. When neither loads the
 * error says, per package, whether it is not installed or failed to load, and what to do.
 */
export async function loadTensorflow(importModule: ImportModule = defaultImport): Promise<string> {
  const reasons: string[] = [];
  for (const pkg of TENSORFLOW_PACKAGES) {
    try {
      await importModule(pkg);
    } catch (error) {
      reasons.push(`${pkg}: ${describeImportError(error, pkg)}`);
      continue;
    }
    if (tf.findBackendFactory('tensorflow') === null) {
      reasons.push(
        `${pkg}: loaded but registered no 'tensorflow' backend (is it the same @tensorflow/tfjs copy?)`,
      );
      continue;
    }
    return pkg;
  }
  throw new VlakitError(
    'backend',
    `the tensorflow backend is not available. ${reasons.join('; ')}. ` +
      'Install one with `pnpm add @tensorflow/tfjs-node` (or -gpu; its install downloads libtensorflow, so it needs ' +
      'network access), or choose --backend wasm.',
    { details: { reasons } },
  );
}

function describeImportError(error: unknown, pkg: string): string {
  const e = error as { code?: string; message?: string };
  const message = String(e?.message ?? error).split('\n')[0] ?? '';
  if ((e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && message.includes(pkg)) {
    return 'not installed';
  }
  return `failed to load (${message})`;
}
