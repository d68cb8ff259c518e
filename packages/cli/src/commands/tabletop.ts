import { VlakitError } from '@vlakit/core';
import type { EvaluatePolicyFn, GenerateDatasetFn } from '@vlakit/trainer';

/** The simulator functions `vla train`, `vla eval` and `vla demo` use (from @vlakit/sim-tabletop). */
export interface TabletopFunctions {
  readonly evaluatePolicy: EvaluatePolicyFn;
  readonly generate: GenerateDatasetFn;
}

const missing = (): never => {
  throw new VlakitError(
    'plugin',
    'the tabletop simulator (@vlakit/sim-tabletop) is not in this build: no generation or closed-loop evaluation',
  );
};

export async function tabletopFunctions(): Promise<TabletopFunctions> {
  return { evaluatePolicy: async () => missing(), generate: async () => missing() };
}
