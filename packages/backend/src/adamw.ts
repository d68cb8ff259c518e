import type { NamedTensorMap } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';

type NamedTensor = { name: string; tensor: tf.Tensor };

import { FUSED_KERNELS, hasKernels, runKernel, VlakitError } from '@vlakit/core';
import { type JsKernel, registerJsKernel, unregisterJsKernel } from './js-kernel.js';
import type { NativeFused } from './native-fused.js';

/** Name of the fused AdamW update kernel (registered for wasm and cpu; core's FUSED_KERNELS.adamw). */
export const ADAMW_KERNEL = FUSED_KERNELS.adamw;

export interface AdamWAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  /** 1-based step count, for the bias corrections. */
  step: number;
}

/**
 * One AdamW update of one parameter, exactly as torch.optim.AdamW (decoupled decay first):
 * p -= lr*wd*p; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
 * p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps). Writes into pOut/mOut/vOut.
 */
export function adamwUpdate(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  pOut: Float32Array,
  mOut: Float32Array,
  vOut: Float32Array,
  a: AdamWAttrs,
): void {
  const decay = 1 - a.lr * a.weightDecay;
  const c1 = 1 / (1 - a.beta1 ** a.step);
  const c2 = 1 / (1 - a.beta2 ** a.step);
  const b1 = a.beta1,
    b2 = a.beta2,
    lr = a.lr,
    eps = a.epsilon;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]!;
    const mi = b1 * m[i]! + (1 - b1) * gi;
    const vi = b2 * v[i]! + (1 - b2) * gi * gi;
    mOut[i] = mi;
    vOut[i] = vi;
    pOut[i] = p[i]! * decay - (lr * (mi * c1)) / (Math.sqrt(vi * c2) + eps);
  }
}

/**
 * `adamwUpdate` with positional hyper-parameters, the signature of the addon's C loop
 * (`NativeFused.adamw`): the JavaScript fallback and reference of that loop.
 */
export const adamwLoop: NativeFused['adamw'] = (
  p,
  g,
  m,
  v,
  pOut,
  mOut,
  vOut,
  lr,
  beta1,
  beta2,
  epsilon,
  weightDecay,
  step,
) => adamwUpdate(p, g, m, v, pOut, mOut, vOut, { lr, beta1, beta2, epsilon, weightDecay, step });

/** The fused kernel running `loop`: one pass per parameter instead of about a dozen tfjs ops. */
function adamwKernel(loop: NativeFused['adamw']): JsKernel {
  return {
    name: ADAMW_KERNEL,
    inputs: ['param', 'grad', 'm', 'v'],
    outputShapes: ([param]) => [param!, param!, param!],
    run: ([p, g, m, v], [pOut, mOut, vOut], _shapes, attrs) => {
      const a = attrs as unknown as AdamWAttrs;
      loop(p!, g!, m!, v!, pOut!, mOut!, vOut!, a.lr, a.beta1, a.beta2, a.epsilon, a.weightDecay, a.step);
    },
  };
}

const JS_ADAMW_KERNEL = adamwKernel(adamwLoop);

/**
 * Registers the fused kernel for wasm and cpu. Without options it keeps what is registered (and
 * registers the JavaScript loop where nothing is); with `native` (the addon's C loops, see
 * `nativeFused`) or `native: undefined` it replaces the registration. Other backends use plain
 * tfjs ops.
 */
export function registerAdamWKernels(options?: { native?: NativeFused | undefined }): void {
  if (options !== undefined) unregisterJsKernel(ADAMW_KERNEL);
  registerJsKernel(options?.native ? adamwKernel(options.native.adamw) : JS_ADAMW_KERNEL);
}

/**
 * One fused AdamW update for callers with their own optimizer state (e.g. the trainer's
 * Optimizer): returns the new parameter, m and v (the caller assigns and disposes them), or
 * `undefined` when the active backend has no fused kernel (compose tfjs ops then).
 */
export function fusedAdamWStep(
  param: tf.Tensor,
  grad: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  attrs: AdamWAttrs,
): [tf.Tensor, tf.Tensor, tf.Tensor] | undefined {
  registerAdamWKernels();
  if (!hasKernels(ADAMW_KERNEL) || param.dtype !== 'float32') return undefined;
  const [p, m1, v1] = runKernel(ADAMW_KERNEL, { param, grad, m, v }, { ...attrs }); // each like param
  return [p!, m1!, v1!];
}

export interface AdamWOptions {
  /** Learning rate. Default 1e-3. */
  learningRate?: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8 (torch's default). */
  epsilon?: number;
  /** Decoupled weight decay. Default 0.01 (torch's default). */
  weightDecay?: number;
  /** Use the fused kernel where one is registered (default true; false: plain tfjs ops). */
  fused?: boolean;
}

/**
 * AdamW (torch.optim.AdamW semantics) as a tfjs Optimizer. On wasm and cpu each parameter is
 * updated by one fused kernel; on other backends (tensorflow) by the equivalent tfjs ops.
 */
export class AdamW extends tf.Optimizer {
  static get className(): string {
    return 'VlakitAdamW';
  }
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  private readonly useKernel: boolean;
  private step = 0;
  private readonly slots = new Map<string, { m: tf.Variable; v: tf.Variable }>();

  constructor(options: AdamWOptions = {}) {
    super();
    this.learningRate = options.learningRate ?? 1e-3;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0.01;
    this.useKernel = options.fused ?? true;
    for (const [k, val, ok] of [
      ['learningRate', this.learningRate, this.learningRate > 0],
      ['beta1', this.beta1, this.beta1 >= 0 && this.beta1 < 1],
      ['beta2', this.beta2, this.beta2 >= 0 && this.beta2 < 1],
      ['epsilon', this.epsilon, this.epsilon > 0],
      ['weightDecay', this.weightDecay, this.weightDecay >= 0],
    ] as const) {
      if (!ok || !Number.isFinite(val)) {
        throw new VlakitError('config', `AdamW ${k} (${val}) is out of range`, { details: { [k]: val } });
      }
    }
    registerAdamWKernels();
  }

  override applyGradients(variableGradients: NamedTensorMap | NamedTensor[]): void {
    const list = Array.isArray(variableGradients)
      ? variableGradients.map((x) => [x.name, x.tensor] as const)
      : Object.entries(variableGradients);
    this.step++;
    const attrs: AdamWAttrs = {
      lr: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      weightDecay: this.weightDecay,
      step: this.step,
    };
    const fused = this.useKernel && tf.getKernel(ADAMW_KERNEL, tf.getBackend()) !== undefined;
    for (const [name, grad] of list) {
      if (grad == null) continue;
      const variable = tf.engine().registeredVariables[name];
      if (variable === undefined) throw new VlakitError('training', `AdamW: no variable named ${name}`);
      let slot = this.slots.get(name);
      if (slot === undefined) {
        slot = tf.tidy(() => ({
          m: tf.variable(tf.zerosLike(variable), false, `${name}/adamw_m`),
          v: tf.variable(tf.zerosLike(variable), false, `${name}/adamw_v`),
        }));
        this.slots.set(name, slot);
      }
      const { m, v } = slot;
      const [p2, m2, v2] = fused
        ? runKernel(ADAMW_KERNEL, { param: variable, grad, m, v }, { ...attrs })
        : tf.tidy(() => {
            const mi = m.mul(attrs.beta1).add(grad.mul(1 - attrs.beta1));
            const vi = v.mul(attrs.beta2).add(grad.square().mul(1 - attrs.beta2));
            const update = mi
              .div(1 - attrs.beta1 ** attrs.step)
              .div(
                vi
                  .div(1 - attrs.beta2 ** attrs.step)
                  .sqrt()
                  .add(attrs.epsilon),
              )
              .mul(attrs.lr);
            return [variable.mul(1 - attrs.lr * attrs.weightDecay).sub(update), mi, vi];
          });
      variable.assign(p2!);
      m.assign(m2!);
      v.assign(v2!);
      tf.dispose([p2!, m2!, v2!]);
    }
    this.incrementIterations();
  }

  override dispose(): void {
    for (const { m, v } of this.slots.values()) tf.dispose([m, v]);
    this.slots.clear();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const out: NamedTensor[] = [{ name: 'iter', tensor: tf.scalar(this.step, 'int32') }];
    for (const { m, v } of this.slots.values())
      out.push({ name: m.name, tensor: m }, { name: v.name, tensor: v });
    return out;
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    for (const { name, tensor } of weightValues) {
      if (name === 'iter') {
        this.step = (await tensor.data())[0]!;
        continue;
      }
      const base = name.replace(/\/adamw_[mv]$/, '');
      let slot = this.slots.get(base);
      if (slot === undefined) {
        slot = tf.tidy(() => ({
          m: tf.variable(tf.zerosLike(tensor), false, `${base}/adamw_m`),
          v: tf.variable(tf.zerosLike(tensor), false, `${base}/adamw_v`),
        }));
        this.slots.set(base, slot);
      }
      (name.endsWith('/adamw_m') ? slot.m : slot.v).assign(tensor);
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      weightDecay: this.weightDecay,
    };
  }
}
