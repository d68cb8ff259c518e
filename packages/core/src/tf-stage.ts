import * as tf from '@tensorflow/tfjs';
import { quote, VlakitError } from './errors.js';
import { type Initializer, initialValues } from './initializers.js';
import type { PortSpec } from './ports.js';
import { SeededRandom } from './seeded-random.js';
import type { ForwardOptions, StageKind, StageV1, TensorMap } from './stage.js';
import { validatePortTensors } from './validate-tensors.js';

export interface TfStageInit<C> {
  pluginId: string;
  name: string;
  config: C;
  seed: number;
  inputs: readonly PortSpec[];
  outputs: readonly PortSpec[];
}

/** Creates a stage's variables with seeded initial values and local names. */
export interface VariableFactory {
  add(
    name: string,
    shape: readonly number[],
    initializer: Initializer,
    options?: { trainable?: boolean },
  ): tf.Variable;
}

/**
 * Base class for stages written in tfjs ops: owns named variables (seeded, freezable),
 * validates inputs and outputs against the declared ports, runs the forward pass in a tidy
 * scope. A subclass implements `createVariables` and `compute` and nothing else.
 */
export abstract class TfStage<C extends object = Record<string, unknown>> implements StageV1 {
  readonly specificationVersion = 'v1' as const;
  abstract readonly kind: StageKind;
  readonly pluginId: string;
  readonly name: string;
  readonly config: Readonly<C>;
  readonly inputs: readonly PortSpec[];
  readonly outputs: readonly PortSpec[];
  protected readonly seed: number;
  private readonly vars = new Map<string, tf.Variable>();
  private isBuilt = false;

  constructor(init: TfStageInit<C>) {
    this.pluginId = init.pluginId;
    this.name = init.name;
    this.config = Object.freeze({ ...init.config });
    this.seed = init.seed;
    this.inputs = init.inputs;
    this.outputs = init.outputs;
  }

  get built(): boolean {
    return this.isBuilt;
  }

  build(): void {
    if (this.isBuilt) return;
    const rng = new SeededRandom(this.seed);
    const factory: VariableFactory = {
      add: (name, shape, initializer, options = {}) => {
        if (this.vars.has(name)) {
          throw new VlakitError('config', `stage '${this.name}' declares variable ${quote(name)} twice`);
        }
        const values = initialValues(shape, initializer, rng);
        const v = tf.tidy(() =>
          tf.variable(tf.tensor(values, [...shape], 'float32'), options.trainable ?? true),
        );
        this.vars.set(name, v);
        return v;
      },
    };
    try {
      this.createVariables(factory);
    } catch (error) {
      for (const v of this.vars.values()) v.dispose();
      this.vars.clear();
      throw error;
    }
    this.isBuilt = true;
  }

  variables(): ReadonlyMap<string, tf.Variable> {
    return this.vars;
  }

  /** The variable called `name`; throws listing the names that exist. */
  protected v(name: string): tf.Variable {
    const found = this.vars.get(name);
    if (found === undefined) {
      throw new VlakitError(
        'config',
        `stage '${this.name}' has no variable ${quote(name)}; it has ${[...this.vars.keys()].join(', ') || 'none (not built)'}`,
      );
    }
    return found;
  }

  setTrainable(trainable: boolean, names?: readonly string[]): void {
    const targets = names ?? [...this.vars.keys()];
    for (const n of targets) this.v(n).trainable = trainable;
  }

  forward(inputs: Readonly<TensorMap>, options: ForwardOptions = {}): TensorMap {
    if (!this.isBuilt) {
      throw new VlakitError(
        'graph',
        `stage '${this.name}' (${this.pluginId}) ran before build(); build the pipeline first`,
      );
    }
    const owner = `stage '${this.name}' (${this.pluginId})`;
    const bindings = validatePortTensors(this.inputs, inputs, owner, 'input');
    const outputs = tf.tidy(() => {
      const out = this.compute(inputs, options);
      if (!options.inspect) {
        for (const p of this.outputs) if (p.inspection) delete out[p.name];
      }
      return out;
    });
    validatePortTensors(this.outputs, outputs, owner, 'output', bindings);
    return outputs;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
    this.isBuilt = false;
  }

  protected abstract createVariables(factory: VariableFactory): void;

  /** The forward pass, in tfjs ops, inside a tidy scope; inputs are already validated. */
  protected abstract compute(inputs: Readonly<TensorMap>, options: ForwardOptions): TensorMap;
}
