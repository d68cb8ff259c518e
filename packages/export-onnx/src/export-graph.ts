import { VlakitError } from '@vlakit/core';
import { KERNEL_MAPPERS, supportedKernels } from './kernel-mappers.js';
import {
  type ConstantValue,
  type KernelCall,
  type KernelTrace,
  type TraceableModel,
  type TraceOptions,
  traceKernels,
} from './kernel-trace.js';
import { type Dyn, dtypeOf, isDyn, type MapContext } from './map-context.js';
import { type OnnxDim, type OnnxDType, OnnxGraphBuilder, type TensorValue } from './onnx-builder.js';
import { type StageOnnxContext, stageMapping } from './onnx-exportable.js';

export interface GraphIO {
  readonly name: string;
  readonly dtype: OnnxDType;
  /** 'batch' for the dynamic axis. */
  readonly shape: readonly OnnxDim[];
}

export interface ExportedGraph {
  readonly builder: OnnxGraphBuilder;
  readonly inputs: readonly GraphIO[];
  readonly outputs: readonly GraphIO[];
  /** Kernels traced per stage (for the report). */
  readonly kernelCounts: Readonly<Record<string, Record<string, number>>>;
}

const exportError = (message: string) => new VlakitError('export', message);

function tensorValue(c: ConstantValue): TensorValue {
  const dtype = dtypeOf(c.dtype);
  const data = dtype === 'bool' ? Uint8Array.from(c.values as ArrayLike<number>) : c.values;
  return { dtype, shape: c.shape, data: data as TensorValue['data'] };
}

/**
 * Builds the ONNX graph of a pipeline's forward pass from two kernel traces of it at different
 * batch sizes (`a.batch` < `b.batch`, neither 1): attributes and constants that differ between
 * the two are re-expressed in terms of the batch size, so the batch axis stays dynamic.
 */
export function buildOnnxGraph(pipeline: TraceableModel, a: KernelTrace, b: KernelTrace): ExportedGraph {
  if (a.calls.length !== b.calls.length || a.calls.some((c, i) => c.kernel !== b.calls[i]!.kernel)) {
    const i = a.calls.findIndex((c, k) => c.kernel !== b.calls[k]?.kernel);
    const at = i < 0 ? Math.min(a.calls.length, b.calls.length) : i;
    throw exportError(
      `the forward pass runs different kernels at batch ${a.batch} and ${b.batch} (kernel #${at}: ${a.calls[at]?.kernel ?? 'none'} in stage '${a.calls[at]?.stage ?? '?'}' vs ${b.calls[at]?.kernel ?? 'none'}); control flow that depends on the batch size cannot be exported`,
    );
  }
  const builder = new OnnxGraphBuilder();
  const names = new Map<number, string>();
  const kernelCounts: Record<string, Record<string, number>> = {};

  // ---- graph inputs (batch axis dynamic) ----
  const inputs: GraphIO[] = [];
  const feedByName = new Map([...a.feeds].map(([id, name]) => [name, id]));
  for (const i of pipeline.inputs) {
    const id = feedByName.get(i.name);
    if (id === undefined) throw exportError(`sample feeds lack the pipeline input '${i.name}'`);
    const shape = i.shape.map((d, k) =>
      k === 0 ? 'batch' : typeof d === 'number' ? d : a.feedShapes.get(i.name)![k]!,
    );
    const io = { name: i.name, dtype: dtypeOf(i.dtype), shape };
    builder.input(i.name, io.dtype, shape);
    names.set(id, i.name);
    inputs.push(io);
  }
  const batchSource = inputs[0]?.name;
  let batch1d: string | undefined;
  const batchVector = (): string => {
    if (batchSource === undefined)
      throw exportError('a batch-dependent shape needs a pipeline input to take the batch size from');
    batch1d ??= builder.node(
      'Shape',
      [batchSource],
      [builder.name('batch_size')],
      { start: 0, end: 1 },
      'batch_size',
    )[0]!;
    return batch1d;
  };
  const shapeTensor = (dims: readonly Dyn[]): string => {
    if (!dims.some(isDyn)) return builder.int64s(dims as number[], 'shape');
    const parts: string[] = [];
    let run: number[] = [];
    const flush = () => {
      if (run.length) parts.push(builder.int64s(run, 'shape_part'));
      run = [];
    };
    for (const d of dims) {
      if (!isDyn(d)) {
        run.push(d);
        continue;
      }
      flush();
      parts.push(
        d.mul === 1
          ? batchVector()
          : builder.node('Mul', [batchVector(), builder.int64s([d.mul], 'k')], 1, {}, 'batch_mul')[0]!,
      );
    }
    flush();
    return parts.length === 1 ? parts[0]! : builder.node('Concat', parts, 1, { axis: 0 }, 'shape')[0]!;
  };
  const dynDims = (va: readonly number[], vb: readonly number[], what: () => string): Dyn[] => {
    if (va.length !== vb.length)
      throw exportError(`${what()} changes rank with the batch size (${va} vs ${vb})`);
    return va.map((x, k) => {
      const y = vb[k]!;
      if (x === y) return x;
      const mul = x / a.batch;
      if (Number.isInteger(mul) && y === mul * b.batch) return { mul };
      throw exportError(
        `${what()} has entry ${k} = ${x} at batch ${a.batch} and ${y} at batch ${b.batch}, not a multiple of the batch size`,
      );
    });
  };

  // ---- variables become named initializers on first use ----
  const variablesByName = pipeline.variables();
  const variableName = (fullName: string): string => {
    if (!builder.initializers.has(fullName)) {
      const v = variablesByName.get(fullName)!;
      builder.initializer(fullName, {
        dtype: dtypeOf(v.dtype),
        shape: [...v.shape],
        data: v.dataSync() as Float32Array | Int32Array,
      });
    }
    return fullName;
  };

  const inputValue = (call: KernelCall, callB: KernelCall, slot: number): string => {
    const t = call.inputs[slot]!;
    const known = names.get(t.id);
    if (known !== undefined) return known;
    const v = a.variables.get(t.id);
    if (v !== undefined) {
      names.set(t.id, variableName(v));
      return v;
    }
    const c = a.constants.get(t.id);
    if (c === undefined)
      throw exportError(
        `kernel ${call.kernel} in stage '${call.stage}' reads a tensor that nothing in the trace produced`,
      );
    const cb = b.constants.get(callB.inputs[slot]!.id);
    const sameShape = cb !== undefined && cb.shape.join(',') === c.shape.join(',');
    let name: string;
    if (sameShape || cb === undefined) name = builder.constant(tensorValue(c), `${call.stage}/const`);
    else {
      const dims = dynDims(
        c.shape,
        cb.shape,
        () => `a constant read by ${call.kernel} in stage '${call.stage}'`,
      );
      const first = c.values[0] ?? 0;
      if (!c.values.every((x) => x === first))
        throw exportError(
          `a batch-sized constant read by ${call.kernel} in stage '${call.stage}' is not uniform; create it from an input (e.g. tf.zerosLike) instead`,
        );
      const scalar = builder.constant(
        tensorValue({ shape: [], dtype: c.dtype, values: c.values.slice(0, 1) as ConstantValue['values'] }),
        `${call.stage}/fill`,
      );
      name = builder.node('Expand', [scalar, shapeTensor(dims)], 1, {}, `${call.stage}/fill`)[0]!;
    }
    names.set(t.id, name);
    return name;
  };

  // ---- kernels ----
  a.calls.forEach((call, index) => {
    const callB = b.calls[index]!;
    if (call.folded) return;
    const stageCounts = (kernelCounts[call.stage] ??= {});
    stageCounts[call.kernel] = (stageCounts[call.kernel] ?? 0) + 1;
    const outNames = call.outputs.map((o, k) => {
      const n = builder.name(
        `${call.stage}/${call.kernel.replace(/^stage:/, '')}${call.outputs.length > 1 ? `_${k}` : ''}`,
      );
      return { o, n };
    });
    if (call.kernel.startsWith('stage:')) {
      const stage = pipeline.stages.get(call.stage);
      const mapping = stage ? stageMapping(stage) : undefined;
      if (mapping === undefined) throw exportError(`stage '${call.stage}' has no ONNX mapping`);
      const inputsByPort: Record<string, string> = {};
      const inputShapes: Record<string, readonly number[]> = {};
      const dtypes: Record<string, OnnxDType> = {};
      call.inputNames.forEach((port, k) => {
        inputsByPort[port] = inputValue(call, callB, k);
        inputShapes[port] = call.inputs[k]!.shape;
        dtypes[port] = dtypeOf(call.inputs[k]!.dtype);
      });
      const ctx: StageOnnxContext = {
        builder,
        inputs: inputsByPort,
        inputShapes,
        dtypes,
        variable: (local) => {
          const full = `${call.stage}/${local}`;
          if (!variablesByName.has(full))
            throw exportError(`stage '${call.stage}' has no variable '${local}'`);
          return variableName(full);
        },
        outputName: (port) => {
          const k = call.outputNames!.indexOf(port);
          if (k < 0) throw exportError(`stage '${call.stage}' has no output '${port}' in its forward pass`);
          return outNames[k]!.n;
        },
      };
      const produced = mapping(ctx);
      call.outputNames!.forEach((port, k) => {
        if (produced[port] !== outNames[k]!.n)
          throw exportError(
            `stage '${call.stage}' exportOnnx did not write output '${port}' to ctx.outputName('${port}')`,
          );
        names.set(outNames[k]!.o.id, outNames[k]!.n);
      });
      return;
    }
    const mapper = KERNEL_MAPPERS[call.kernel];
    const stage = pipeline.stages.get(call.stage);
    const where = `kernel '${call.kernel}' in stage '${call.stage}'${stage ? ` (plugin ${stage.pluginId})` : ''}`;
    if (mapper === undefined) {
      throw exportError(
        `unsupported tfjs ${where}; supported kernels: ${supportedKernels().join(', ')}; a stage can map itself to ONNX by implementing exportOnnx`,
      );
    }
    const ctx: MapContext = {
      builder,
      call,
      inputCount: call.inputs.length,
      input: (k) => inputValue(call, callB, k),
      shape: (k) => call.inputs[k]!.shape,
      dtype: (k) => dtypeOf(call.inputs[k]!.dtype),
      outShape: (k = 0) => call.outputs[k]!.shape,
      outDtype: (k = 0) => dtypeOf(call.outputs[k]!.dtype),
      out: (k = 0) => outNames[k]!.n,
      attr: <T>(n: string) => call.attrs[n] as T,
      dims: (n) => {
        const va = call.attrs[n];
        const vb = callB.attrs[n];
        const arr = (v: unknown) => (Array.isArray(v) ? (v as number[]) : [v as number]);
        return dynDims(arr(va), arr(vb), () => `attribute '${n}' of ${where}`);
      },
      shapeTensor,
      node: (op, ins, outs = 1, attrs = {}) => builder.node(op, ins, outs, attrs, `${call.stage}/${op}`),
      fail: (why) => {
        throw exportError(`cannot export ${where}: ${why}`);
      },
    };
    mapper(ctx);
    for (const { o, n } of outNames) names.set(o.id, n);
  });

  // ---- graph outputs ----
  const outputs: GraphIO[] = [];
  for (const [name, t] of a.outputs) {
    const tb = b.outputs.get(name)!;
    let value = names.get(t.id);
    if (value === undefined) {
      const c = a.constants.get(t.id);
      if (c === undefined) throw exportError(`pipeline output '${name}' was not produced by the trace`);
      value = builder.constant(tensorValue(c), name);
    }
    const dims = dynDims(t.shape, tb.shape, () => `pipeline output '${name}'`);
    const shape = dims.map((d) => (isDyn(d) ? (d.mul === 1 ? 'batch' : `batch*${d.mul}`) : d));
    const dtype = dtypeOf(t.dtype);
    builder.reserve(name);
    builder.node('Identity', [value], [name], {}, `output/${name}`);
    builder.output(name, dtype, shape);
    outputs.push({ name, dtype, shape });
  }
  return { builder, inputs, outputs, kernelCounts };
}

/** Traces a model at batch 2 and 3 and builds its ONNX graph (no bundle, no parity check). */
export function traceToOnnx(
  model: TraceableModel,
  feedsFor: (batch: number) => Record<string, import('@tensorflow/tfjs').Tensor>,
  options: TraceOptions = {},
): ExportedGraph {
  const traces = [2, 3].map((b) => {
    const feeds = feedsFor(b);
    try {
      return traceKernels(model, feeds, options);
    } finally {
      for (const t of Object.values(feeds)) t.dispose();
    }
  });
  return buildOnnxGraph(model, traces[0]!, traces[1]!);
}
