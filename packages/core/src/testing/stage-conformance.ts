import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { VlakitError } from '../errors.js';
import type { PortSpec } from '../ports.js';
import { KIND_CONTRACTS, type StageV1, type TensorMap } from '../stage.js';
import { validatePortTensors } from '../validate-tensors.js';
import { randomFeeds } from './test-stages.js';

export interface StageConformanceOptions {
  /** Makes a fresh, unbuilt stage; the same seed must give the same initial weights. */
  create: (seed: number) => StageV1;
  /** Valid inputs at a batch size; defaults to pseudo-random tensors shaped by the input ports. */
  inputs?: (stage: StageV1, batch: number) => TensorMap;
  /** Symbol sizes for the default inputs (e.g. { L: 5 }). */
  symbols?: Record<string, number>;
  /** Variables that legitimately get no gradient from the test loss (e.g. unused embedding rows). */
  gradientExemptions?: readonly string[];
}

const dispose = (m: TensorMap) => Object.values(m).forEach((t) => t.dispose());

/**
 * The shared conformance suite every stage plugin runs: ports of its kind, outputs that match
 * the declared ports at batch 1 and 3, determinism, no leaked tensors, clear errors for bad
 * rank, dtype and shape, and gradients that reach every trainable variable and no frozen one.
 */
export function describeStageConformance(title: string, options: StageConformanceOptions): void {
  const feeds = (stage: StageV1, batch: number): TensorMap =>
    options.inputs
      ? options.inputs(stage, batch)
      : randomFeeds(
          stage.inputs.filter((p) => !p.optional),
          batch,
          7,
          options.symbols,
        );
  const make = (seed = 3): StageV1 => {
    const s = options.create(seed);
    s.build();
    return s;
  };

  describe(`${title}: stage conformance (spec v1)`, () => {
    it('declares the ports its kind requires', () => {
      const stage = options.create(3);
      expect(stage.specificationVersion).toBe('v1');
      const contract = KIND_CONTRACTS[stage.kind];
      for (const name of contract.inputs) expect(stage.inputs.map((p) => p.name)).toContain(name);
      for (const name of contract.outputs) expect(stage.outputs.map((p) => p.name)).toContain(name);
      for (const p of [...stage.inputs, ...stage.outputs]) expect(p.shape[0]).toBe('B');
      expect(stage.variables().size).toBe(0); // no tensors before build()
    });

    it.each([1, 3])('outputs match the declared ports at batch %i', (batch) => {
      const stage = make();
      const inputs = feeds(stage, batch);
      const out = stage.forward(inputs, { inspect: true });
      const bindings = validatePortTensors(stage.inputs, inputs, stage.name, 'input');
      validatePortTensors(stage.outputs, out, stage.name, 'output', bindings);
      for (const p of stage.outputs.filter((x) => !x.optional)) {
        expect(out[p.name], `output ${p.name}`).toBeDefined();
        expect(out[p.name]!.shape[0]).toBe(batch);
        expect(Array.from(out[p.name]!.dataSync()).every(Number.isFinite), `output ${p.name} is finite`).toBe(
          true,
        );
      }
      dispose(out);
      dispose(inputs);
      stage.dispose();
    });

    it('is deterministic: same inputs, same seed, same outputs', () => {
      const a = make(5);
      const b = make(5);
      const inputs = feeds(a, 2);
      const o1 = a.forward(inputs);
      const o2 = a.forward(inputs);
      const o3 = b.forward(inputs);
      for (const name of Object.keys(o1)) {
        expect(Array.from(o2[name]!.dataSync())).toEqual(Array.from(o1[name]!.dataSync()));
        expect(Array.from(o3[name]!.dataSync())).toEqual(Array.from(o1[name]!.dataSync()));
      }
      [o1, o2, o3, inputs].forEach(dispose);
      a.dispose();
      b.dispose();
    });

    it('leaks no tensors', () => {
      const stage = make();
      const inputs = feeds(stage, 2);
      dispose(stage.forward(inputs, { inspect: true })); // warm-up: lazily created constants
      const before = tf.memory().numTensors;
      dispose(stage.forward(inputs));
      dispose(stage.forward(inputs, { training: true, inspect: true }));
      expect(tf.memory().numTensors).toBe(before);
      dispose(inputs);
      stage.dispose();
    });

    it('rejects bad rank, dtype and shape with an error naming the port', () => {
      const stage = make();
      const inputs = feeds(stage, 2);
      const required = stage.inputs.filter((p) => !p.optional);
      const expectRejected = (p: PortSpec, bad: tf.Tensor) => {
        let caught: unknown;
        try {
          dispose(stage.forward({ ...inputs, [p.name]: bad }));
        } catch (e) {
          caught = e;
        }
        bad.dispose();
        expect(VlakitError.isInstance(caught), `bad ${p.name} must throw a VlakitError`).toBe(true);
        expect((caught as Error).message).toContain(`'${p.name}'`);
      };
      for (const p of required) {
        const good = inputs[p.name]!;
        expectRejected(p, good.expandDims(0)); // wrong rank
        expectRejected(p, good.cast(p.dtype === 'int32' ? 'float32' : 'int32')); // wrong dtype
        const fixed = p.shape.findIndex((d, i) => i > 0 && typeof d === 'number');
        if (fixed > 0) {
          const shape = [...good.shape];
          shape[fixed] = shape[fixed]! + 1;
          expectRejected(p, tf.zeros(shape, p.dtype)); // wrong size on a fixed dimension
        }
        const { [p.name]: _missing, ...rest } = inputs;
        expect(() => stage.forward(rest)).toThrow(new RegExp(`'${p.name}'.*missing`));
      }
      dispose(inputs);
      stage.dispose();
    });

    it('gradients reach every trainable variable and none reach frozen ones', () => {
      const stage = make();
      const inputs = feeds(stage, 3);
      const floatOutputs = stage.outputs
        .filter((p) => p.dtype === 'float32' && !p.inspection)
        .map((p) => p.name);
      const loss = () =>
        tf.tidy(() => {
          const out = stage.forward(inputs, { training: true });
          let total = tf.scalar(0);
          for (const name of floatOutputs) {
            const t = out[name]!;
            const w = tf.linspace(0.5, 1.5, t.size).reshape(t.shape); // fixed weights: no symmetric cancellation
            total = total.add(tf.sum(tf.mul(t, w)).add(tf.sum(tf.square(t)).mul(0.1)));
          }
          return total as tf.Scalar;
        });
      const vars = [...stage.variables()];
      expect(vars.length).toBeGreaterThan(0);
      const { value, grads } = tf.variableGrads(
        loss,
        vars.map(([, v]) => v),
      );
      value.dispose();
      for (const [name, v] of vars) {
        if (options.gradientExemptions?.includes(name)) continue;
        const g = grads[v.name];
        expect(g, `gradient of ${name}`).toBeDefined();
        const data = g!.dataSync();
        expect(data.every(Number.isFinite), `gradient of ${name} is finite`).toBe(true);
        expect(
          data.some((x) => x !== 0),
          `gradient of ${name} is not all zero`,
        ).toBe(true);
      }
      Object.values(grads).forEach((g) => g.dispose());

      const [frozenName, frozen] = vars[0]!;
      stage.setTrainable(false, [frozenName]);
      expect(frozen.trainable).toBe(false);
      if (vars.length === 1) {
        expect(() => tf.variableGrads(loss, [frozen])).toThrow(/trainable/);
      } else {
        const second = tf.variableGrads(
          loss,
          vars.map(([, v]) => v),
        );
        second.value.dispose();
        expect(second.grads[frozen.name] ?? null, `frozen ${frozenName} must get no gradient`).toBeNull();
        expect(Object.keys(second.grads).filter((k) => second.grads[k] != null).length).toBe(vars.length - 1);
        Object.values(second.grads).forEach((g) => g?.dispose());
      }
      stage.setTrainable(true);
      expect(frozen.trainable).toBe(true);
      dispose(inputs);
      stage.dispose();
    });
  });
}
