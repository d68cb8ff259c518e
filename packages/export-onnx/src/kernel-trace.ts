import * as tf from '@tensorflow/tfjs';
import type { StageV1, TensorMap } from '@vlakit/core';
import './gru-decoder-mapping.js';
import { stageMapping } from './onnx-exportable.js';

export interface TracedTensor {
  readonly id: number;
  readonly shape: readonly number[];
  readonly dtype: string;
}

export interface KernelCall {
  /** A tfjs kernel name, or `stage:<name>` for a stage that maps itself. */
  readonly kernel: string;
  /** The pipeline stage whose forward pass ran it. */
  readonly stage: string;
  /** Input slot names in order (e.g. a, b; or 0, 1, 2 for Concat). */
  readonly inputNames: readonly string[];
  readonly inputs: readonly TracedTensor[];
  readonly attrs: Readonly<Record<string, unknown>>;
  readonly outputs: readonly TracedTensor[];
  /** Output port names, for `stage:` calls. */
  readonly outputNames?: readonly string[];
  /** Every input was a constant: the outputs were captured as constants too. */
  readonly folded: boolean;
}

export interface ConstantValue {
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly values: Float32Array | Int32Array | Uint8Array;
}

export interface KernelTrace {
  readonly batch: number;
  readonly calls: readonly KernelCall[];
  /** Tensors that no recorded kernel produced and that are neither feeds nor variables. */
  readonly constants: ReadonlyMap<number, ConstantValue>;
  readonly feeds: ReadonlyMap<number, string>;
  /** Shape of each feed, by input name. */
  readonly feedShapes: ReadonlyMap<string, readonly number[]>;
  readonly variables: ReadonlyMap<number, string>;
  /** Pipeline output name -> tensor. */
  readonly outputs: ReadonlyMap<string, TracedTensor>;
  /** The tfjs outputs, as plain arrays (for the parity check). */
  readonly outputValues: ReadonlyMap<string, Float32Array | Int32Array | Uint8Array>;
}

/** What can be traced: a Pipeline, or any model with named inputs, variables and a forward pass. */
export interface TraceableModel {
  readonly inputs: ReadonlyArray<{
    readonly name: string;
    readonly dtype: string;
    readonly shape: readonly (number | string)[];
  }>;
  readonly stages: ReadonlyMap<string, StageV1>;
  variables(): ReadonlyMap<string, tf.Variable>;
  forward(feeds: Readonly<TensorMap>): TensorMap;
}

type RunKernel = (
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs?: Record<string, unknown>,
) => unknown;

function copyValues(t: tf.Tensor): Float32Array | Int32Array | Uint8Array {
  const d = t.dataSync();
  if (d instanceof Float32Array) return Float32Array.from(d);
  if (d instanceof Int32Array) return Int32Array.from(d);
  if (d instanceof Uint8Array) return Uint8Array.from(d);
  throw new Error(`cannot trace a ${t.dtype} tensor`);
}

function cloneAttr(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneAttr);
  if (v instanceof tf.Tensor) return { tensorId: v.id };
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cloneAttr(x)]));
  return v;
}

const ref = (t: tf.Tensor): TracedTensor => ({ id: t.id, shape: [...t.shape], dtype: t.dtype });

/**
 * Runs the pipeline's forward pass once and records every top-level tfjs kernel it executes
 * (wrapping the engine's `runKernel`), attributed to the stage that ran it. Stages that map
 * themselves to ONNX are recorded as one call.
 */
export interface TraceOptions {
  /** Trace every stage kernel by kernel, ignoring stage mappings (exportOnnx, built-in ones). */
  readonly traceAll?: boolean;
}

export function traceKernels(
  pipeline: TraceableModel,
  feeds: Readonly<TensorMap>,
  options: TraceOptions = {},
): KernelTrace {
  const engine = tf.engine() as unknown as { runKernel: RunKernel };
  const original = engine.runKernel;
  const calls: KernelCall[] = [];
  const constants = new Map<number, ConstantValue>();
  const feedIds = new Map<number, string>();
  for (const [name, t] of Object.entries(feeds)) feedIds.set(t.id, name);
  const variableIds = new Map<number, string>();
  for (const [name, v] of pipeline.variables()) variableIds.set(v.id, name);
  const produced = new Set<number>();
  let depth = 0;
  let suspended = 0;
  let currentStage = '(pipeline)';

  const known = (t: tf.Tensor) => feedIds.has(t.id) || variableIds.has(t.id) || produced.has(t.id);
  const noteInput = (t: tf.Tensor) => {
    if (!known(t) && !constants.has(t.id))
      constants.set(t.id, { shape: [...t.shape], dtype: t.dtype, values: copyValues(t) });
  };

  const wrapped: RunKernel = function (this: unknown, name, inputs, attrs) {
    if (depth > 0 || suspended > 0) return original.call(engine, name, inputs, attrs);
    depth++;
    let result: unknown;
    try {
      result = original.call(engine, name, inputs, attrs);
    } finally {
      depth--;
    }
    const entries = Object.entries(inputs ?? {}).filter(([, t]) => t instanceof tf.Tensor);
    for (const [, t] of entries) noteInput(t);
    const outs = (Array.isArray(result) ? result : [result]) as tf.Tensor[];
    const folded = entries.every(([, t]) => constants.has(t.id));
    for (const o of outs) {
      if (folded) constants.set(o.id, { shape: [...o.shape], dtype: o.dtype, values: copyValues(o) });
      else produced.add(o.id);
    }
    calls.push({
      kernel: name,
      stage: currentStage,
      inputNames: entries.map(([k]) => k),
      inputs: entries.map(([, t]) => ref(t)),
      attrs: cloneAttr(attrs ?? {}) as Record<string, unknown>,
      outputs: outs.map(ref),
      folded,
    });
    return result;
  };

  const restores: Array<() => void> = [];
  for (const stage of pipeline.stages.values()) {
    const forward = stage.forward;
    const self = stage as StageV1 & { forward: StageV1['forward'] };
    self.forward = (inputs, forwardOptions) => {
      const previous = currentStage;
      currentStage = stage.name;
      try {
        if (options.traceAll || stageMapping(stage) === undefined)
          return forward.call(stage, inputs, forwardOptions);
        suspended++;
        let out: TensorMap;
        try {
          out = forward.call(stage, inputs, forwardOptions);
        } finally {
          suspended--;
        }
        const ins = Object.entries(inputs).filter(([, t]) => t !== undefined);
        for (const [, t] of ins) noteInput(t);
        const outNames = Object.keys(out);
        for (const n of outNames) produced.add(out[n]!.id);
        calls.push({
          kernel: `stage:${stage.name}`,
          stage: stage.name,
          inputNames: ins.map(([k]) => k),
          inputs: ins.map(([, t]) => ref(t)),
          attrs: {},
          outputs: outNames.map((n) => ref(out[n]!)),
          outputNames: outNames,
          folded: false,
        });
        return out;
      } finally {
        currentStage = previous;
      }
    };
    restores.push(() => {
      self.forward = forward;
    });
  }

  engine.runKernel = wrapped;
  let outputs: TensorMap;
  try {
    outputs = pipeline.forward(feeds);
  } finally {
    engine.runKernel = original;
    for (const r of restores) r();
    // own-property forward shadows were replaced by the originals; drop them
    for (const stage of pipeline.stages.values()) {
      if (
        Object.hasOwn(stage, 'forward') &&
        (stage as { forward: unknown }).forward === Object.getPrototypeOf(stage).forward
      )
        delete (stage as { forward?: unknown }).forward;
    }
  }
  const outRefs = new Map<string, TracedTensor>();
  const outputValues = new Map<string, Float32Array | Int32Array | Uint8Array>();
  for (const [name, t] of Object.entries(outputs)) {
    outRefs.set(name, ref(t));
    outputValues.set(name, copyValues(t));
    // an output that is a constant or a feed still needs a producer in the graph
    if (!produced.has(t.id) && !feedIds.has(t.id)) noteInput(t);
  }
  tf.dispose(outputs);
  return {
    batch: Object.values(feeds)[0]?.shape[0] ?? 1,
    calls,
    constants,
    feeds: feedIds,
    feedShapes: new Map(Object.entries(feeds).map(([n, t]) => [n, [...t.shape]])),
    variables: variableIds,
    outputs: outRefs,
    outputValues,
  };
}
