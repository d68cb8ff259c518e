import type { SymbolicShape } from './shapes.js';

export type PortDType = 'float32' | 'int32';

/** One named input or output of a stage. The first dimension is always the batch 'B'. */
export interface PortSpec {
  readonly name: string;
  readonly shape: SymbolicShape;
  readonly dtype: PortDType;
  /** An optional input need not be fed; an optional output may be absent. */
  readonly optional?: boolean;
  /** Inspection outputs (attention maps, ...) are produced only when asked for. */
  readonly inspection?: boolean;
  readonly description?: string;
}

export function port(
  name: string,
  shape: SymbolicShape,
  dtype: PortDType = 'float32',
  extra: Omit<PortSpec, 'name' | 'shape' | 'dtype'> = {},
): PortSpec {
  return { name, shape, dtype, ...extra };
}
