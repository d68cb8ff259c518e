import { PolicyError } from './runtime-error.js';

export type Ort = typeof import('onnxruntime-node');

let ortPromise: Promise<Ort> | undefined;

/** onnxruntime-node, imported on first use, with an install hint when it is missing. */
export function loadOrt(): Promise<Ort> {
  ortPromise ??= import('onnxruntime-node').catch((error: unknown) => {
    ortPromise = undefined;
    throw new PolicyError(
      'runtime',
      `onnxruntime-node could not be loaded (${(error as Error).message}); install it: pnpm add onnxruntime-node@1.30.0`,
    );
  });
  return ortPromise;
}
