import * as tf from '@tensorflow/tfjs';
import { type Pipeline, type TensorMap, VlakitError } from '@vlakit/core';

type Ort = typeof import('onnxruntime-node');

let ortPromise: Promise<Ort> | undefined;

/** onnxruntime-node, imported on first use with an install hint when missing. */
export function loadOrt(): Promise<Ort> {
  ortPromise ??= import('onnxruntime-node').catch((error: unknown) => {
    ortPromise = undefined;
    throw new VlakitError(
      'export',
      `onnxruntime-node could not be loaded (${(error as Error).message}); install it: pnpm add onnxruntime-node@1.30.0`,
    );
  });
  return ortPromise;
}

export interface ParityResult {
  readonly batch: number;
  readonly maxAbsDiff: number;
  /** Per output. */
  readonly outputs: Readonly<Record<string, number>>;
}

/** Runs the ONNX model (from a file path) and the tfjs pipeline on the same feeds and compares. */
export async function checkParity(
  modelPath: string,
  pipeline: Pipeline,
  feeds: Readonly<TensorMap>,
): Promise<ParityResult> {
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(modelPath, { graphOptimizationLevel: 'all' });
  try {
    const ortFeeds: Record<string, import('onnxruntime-node').Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      const data = t.dataSync();
      ortFeeds[name] = new ort.Tensor(
        t.dtype === 'int32' ? 'int32' : 'float32',
        data as Float32Array | Int32Array,
        [...t.shape],
      );
    }
    const ortOut = await session.run(ortFeeds);
    const tfOut = pipeline.forward(feeds);
    const outputs: Record<string, number> = {};
    let maxAbsDiff = 0;
    try {
      for (const [name, t] of Object.entries(tfOut)) {
        const o = ortOut[name];
        if (o === undefined) throw new VlakitError('export', `the ONNX model has no output '${name}'`);
        if (o.dims.join(',') !== t.shape.join(','))
          throw new VlakitError(
            'export',
            `ONNX output '${name}' has shape [${o.dims}] where tfjs has [${t.shape}]`,
          );
        const x = t.dataSync();
        const y = o.data as ArrayLike<number>;
        let d = 0;
        for (let i = 0; i < x.length; i++) {
          const e = Math.abs(Number(x[i]) - Number(y[i]));
          if (!(e <= d)) d = Number.isNaN(e) ? Number.POSITIVE_INFINITY : e;
        }
        outputs[name] = d;
        maxAbsDiff = Math.max(maxAbsDiff, d);
      }
    } finally {
      tf.dispose(tfOut);
    }
    return { batch: Object.values(feeds)[0]?.shape[0] ?? 0, maxAbsDiff, outputs };
  } finally {
    await session.release();
  }
}
