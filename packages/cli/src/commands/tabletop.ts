import { VlakitError } from '@vlakit/core';
import type { EvaluatePolicyFn, GenerateDatasetFn } from '@vlakit/trainer';

/** The simulator functions `vla eval` and `vla demo` use (from @vlakit/sim-tabletop). */
export interface TabletopFunctions {
  readonly evaluatePolicy: EvaluatePolicyFn;
  readonly generate: GenerateDatasetFn;
}

export async function tabletopFunctions(): Promise<TabletopFunctions> {
  throw new VlakitError(
    'plugin',
    'closed-loop evaluation needs @vlakit/sim-tabletop, which this build does not have yet',
  );
}
