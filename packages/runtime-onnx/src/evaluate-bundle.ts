import { type LoadPolicyOptions, loadPolicy } from './load-policy.js';
import type { PolicyObservation } from './onnx-policy.js';

/** The simulator evaluator's signature (@vlakit/sim-tabletop `evaluatePolicy`), injected. */
export type EvaluateFn<R> = (
  policy: (obs: PolicyObservation[]) => Promise<Float32Array[]>,
  options: Record<string, unknown> & { imageSize?: number },
) => Promise<R>;

/**
 * Evaluates a policy bundle closed-loop: loads it, hands its batch policy to `evaluate` (the
 * simulator's `evaluatePolicy`, passed in so this package needs no simulator) with the bundle's
 * image size, and closes it. What `vla eval --policy DIR` runs.
 */
export async function evaluateBundle<R>(
  dir: string,
  evaluate: EvaluateFn<R>,
  options: Record<string, unknown> & { session?: LoadPolicyOptions } = {},
): Promise<R> {
  const { session, ...evalOptions } = options;
  const policy = await loadPolicy(dir, session ?? {});
  try {
    const image = policy.spec.image;
    return await evaluate(policy.asBatchPolicy(), {
      ...(image ? { imageWidth: image.width, imageHeight: image.height } : {}),
      ...evalOptions,
    });
  } finally {
    await policy.close();
  }
}
