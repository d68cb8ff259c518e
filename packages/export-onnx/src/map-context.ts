import type { KernelCall } from './kernel-trace.js';
import type { AttrValue, OnnxDType, OnnxGraphBuilder } from './onnx-builder.js';

/** A dimension in an attribute: a fixed size, or `mul` times the batch size. */
export interface BatchMultiple {
  readonly mul: number;
}
export type Dyn = number | BatchMultiple;

/** What a kernel mapper sees: the traced call (at two batch sizes) and the graph being built. */
export interface MapContext {
  readonly builder: OnnxGraphBuilder;
  readonly call: KernelCall;
  /** ONNX value name of input i. */
  input(i: number): string;
  readonly inputCount: number;
  shape(i: number): readonly number[];
  dtype(i: number): OnnxDType;
  outShape(i?: number): readonly number[];
  outDtype(i?: number): OnnxDType;
  /** The name output i must be written to. */
  out(i?: number): string;
  attr<T = unknown>(name: string): T;
  /** A shape-carrying attribute with batch-dependent entries resolved. */
  dims(name: string): Dyn[];
  /** An int64 1-D tensor holding `dims` (built from the batch size when any entry is dynamic). */
  shapeTensor(dims: readonly Dyn[]): string;
  /** Adds a node named after the stage and kernel. */
  node(
    op: string,
    inputs: readonly string[],
    outputs?: readonly string[] | number,
    attrs?: Record<string, AttrValue | undefined>,
  ): string[];
  /** Raises an export error naming the kernel and the stage. */
  fail(why: string): never;
}

export const isDyn = (d: Dyn): d is BatchMultiple => typeof d === 'object';

export function normAxes(axis: unknown, rank: number): number[] {
  if (axis === null || axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = Array.isArray(axis) ? (axis as number[]) : [axis as number];
  return list.map((a) => (a < 0 ? a + rank : a));
}

export function dtypeOf(tfDtype: string): OnnxDType {
  if (tfDtype === 'float32' || tfDtype === 'int32' || tfDtype === 'bool') return tfDtype;
  throw new Error(`tfjs dtype '${tfDtype}' has no ONNX mapping (float32, int32 and bool do)`);
}
