import * as tf from '@tensorflow/tfjs';
import { quote, VlakitError } from './errors.js';
import { formatPortRef, type GraphSpec, type PortRef } from './graph-spec.js';
import type { PortDType } from './ports.js';
import type { SymbolicShape } from './shapes.js';
import { isLanguageEncoder, type StageV1, type TensorMap, type TextTokenizerV1 } from './stage.js';
import { validatePortTensors } from './validate-tensors.js';

export interface PipelineInput {
  readonly name: string;
  readonly shape: SymbolicShape;
  readonly dtype: PortDType;
  readonly feeds: readonly PortRef[];
}

export interface PipelineRunOptions {
  readonly training?: boolean;
  /** Record each stage's outputs, time and tensor count. */
  readonly trace?: boolean;
  /** Return stages' inspection outputs (attention maps, ...); the caller disposes them. */
  readonly inspect?: boolean;
  /** Run stages in this order (any topological order gives the same results). */
  readonly order?: readonly string[];
}

export interface TensorSummary {
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly std: number;
}

export interface StageTrace {
  readonly stage: string;
  readonly plugin: string;
  readonly kind: string;
  readonly ms: number;
  /** Tensors the stage left alive: its outputs (intermediates are disposed). */
  readonly tensors: number;
  readonly outputs: Readonly<Record<string, TensorSummary>>;
}

export interface PipelineRunResult {
  readonly outputs: TensorMap;
  readonly trace?: readonly StageTrace[];
  readonly inspections?: Readonly<Record<string, TensorMap>>;
}

interface PipelineParts {
  stages: ReadonlyMap<string, StageV1>;
  order: readonly string[];
  edges: ReadonlyArray<{ from: PortRef; to: PortRef }>;
  inputs: readonly PipelineInput[];
  outputs: ReadonlyArray<{ name: string; from: PortRef }>;
  spec: GraphSpec;
  seed: number;
}

/** A validated DAG of stages; runs them in topological order. Made by `buildPipeline`. */
export class Pipeline {
  readonly stages: ReadonlyMap<string, StageV1>;
  readonly order: readonly string[];
  readonly edges: ReadonlyArray<{ from: PortRef; to: PortRef }>;
  readonly inputs: readonly PipelineInput[];
  readonly outputs: ReadonlyArray<{ name: string; from: PortRef }>;
  readonly spec: GraphSpec;
  readonly seed: number;

  constructor(parts: PipelineParts) {
    this.stages = parts.stages;
    this.order = parts.order;
    this.edges = parts.edges;
    this.inputs = parts.inputs;
    this.outputs = parts.outputs;
    this.spec = parts.spec;
    this.seed = parts.seed;
  }

  /** Allocates every stage's variables and applies the spec's freezing. */
  build(): void {
    for (const name of this.order) {
      const stage = this.stages.get(name)!;
      stage.build();
      const s = this.spec.stages[name]!;
      if (!s.trainable) stage.setTrainable(false);
      if (s.freeze.length > 0) stage.setTrainable(false, s.freeze);
    }
  }

  stage(name: string): StageV1 {
    const s = this.stages.get(name);
    if (s === undefined)
      throw new VlakitError('graph', `no stage ${quote(name)}; stages: ${this.order.join(', ')}`);
    return s;
  }

  /** Every variable, named "stage/variable". */
  variables(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    for (const name of this.order)
      for (const [v, t] of this.stages.get(name)!.variables()) out.set(`${name}/${v}`, t);
    return out;
  }

  trainableVariables(): Map<string, tf.Variable> {
    return new Map([...this.variables()].filter(([, v]) => v.trainable));
  }

  /** The stage whose variable "stage/variable" is, for per-stage learning rates. */
  lrMultiplier(stageName: string): number {
    return this.spec.stages[stageName]?.lrMultiplier ?? 1;
  }

  /** The tokenizer of the (first) language encoder, if the pipeline has one. */
  tokenizer(): TextTokenizerV1 | undefined {
    for (const name of this.order) {
      const s = this.stages.get(name)!;
      if (isLanguageEncoder(s)) return s.tokenizer;
    }
    return undefined;
  }

  parameterCount(): number {
    let n = 0;
    for (const v of this.variables().values()) n += v.size;
    return n;
  }

  forward(
    feeds: Readonly<TensorMap>,
    options: Omit<PipelineRunOptions, 'trace' | 'inspect'> = {},
  ): TensorMap {
    return this.run(feeds, options).outputs;
  }

  run(feeds: Readonly<TensorMap>, options: PipelineRunOptions = {}): PipelineRunResult {
    validatePortTensors(
      this.inputs.map((i) => ({ name: i.name, shape: i.shape, dtype: i.dtype })),
      feeds,
      'the pipeline',
      'input',
    );
    const order = options.order ? this.checkOrder(options.order) : this.order;
    const trace: StageTrace[] = [];
    const inspections: Record<string, TensorMap> = {};
    const result = tf.tidy(() => {
      const values = new Map<string, tf.Tensor>();
      for (const i of this.inputs)
        for (const to of i.feeds) values.set(`in:${formatPortRef(to)}`, feeds[i.name]!);
      for (const name of order) {
        const stage = this.stages.get(name)!;
        const stageInputs: TensorMap = {};
        for (const p of stage.inputs) {
          const key = formatPortRef({ node: name, port: p.name });
          const edge = this.edges.find((e) => e.to.node === name && e.to.port === p.name);
          const t = edge ? values.get(formatPortRef(edge.from)) : values.get(`in:${key}`);
          if (t !== undefined) stageInputs[p.name] = t;
        }
        const before = tf.memory().numTensors;
        const t0 = performance.now();
        const out = stage.forward(stageInputs, {
          training: options.training ?? false,
          inspect: options.inspect ?? false,
        });
        if (options.trace) for (const t of Object.values(out)) t.dataSync();
        const ms = performance.now() - t0;
        for (const [port, t] of Object.entries(out)) values.set(formatPortRef({ node: name, port }), t);
        if (options.inspect) {
          const ins: TensorMap = {};
          for (const p of stage.outputs) if (p.inspection && out[p.name]) ins[p.name] = out[p.name]!;
          if (Object.keys(ins).length > 0) inspections[name] = ins;
        }
        if (options.trace) {
          trace.push({
            stage: name,
            plugin: stage.pluginId,
            kind: stage.kind,
            ms,
            tensors: tf.memory().numTensors - before,
            outputs: Object.fromEntries(Object.entries(out).map(([port, t]) => [port, summarize(t)])),
          });
        }
      }
      const outputs: TensorMap = {};
      for (const o of this.outputs) outputs[o.name] = values.get(formatPortRef(o.from))!;
      return { outputs, inspections };
    });
    return {
      outputs: result.outputs,
      ...(options.trace ? { trace } : {}),
      ...(options.inspect ? { inspections: result.inspections } : {}),
    };
  }

  private checkOrder(order: readonly string[]): readonly string[] {
    const sorted = [...order].sort();
    const expected = [...this.order].sort();
    if (sorted.join('\0') !== expected.join('\0')) {
      throw new VlakitError(
        'graph',
        `order ${quote(order)} must list every stage once: ${this.order.join(', ')}`,
      );
    }
    for (const e of this.edges) {
      if (order.indexOf(e.from.node) > order.indexOf(e.to.node)) {
        throw new VlakitError(
          'graph',
          `order ${quote(order)} runs '${e.to.node}' before '${e.from.node}', which feeds it (${formatPortRef(e.from)} -> ${formatPortRef(e.to)})`,
        );
      }
    }
    return order;
  }

  dispose(): void {
    for (const s of this.stages.values()) s.dispose();
  }
}

function summarize(t: tf.Tensor): TensorSummary {
  const data = t.dataSync();
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    const x = data[i]!;
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
  }
  const mean = data.length ? sum / data.length : 0;
  let sq = 0;
  for (let i = 0; i < data.length; i++) sq += (data[i]! - mean) ** 2;
  return {
    shape: t.shape,
    dtype: t.dtype,
    min,
    max,
    mean,
    std: data.length ? Math.sqrt(sq / data.length) : 0,
  };
}
