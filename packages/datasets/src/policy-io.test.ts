import { describe, expect, it } from 'vitest';
import { Normalizer } from './normalization.js';
import { actionsToChunks, observationsToInputs } from './policy-io.js';

const normalizer = new Normalizer({
  version: 1,
  features: {
    'observation.state': {
      mode: 'MEAN_STD',
      mean: [0.1, -0.2],
      std: [0.5, 2],
      min: [0, 0],
      max: [1, 1],
      count: 10,
    },
    action: { mode: 'MIN_MAX', mean: [0, 0], std: [1, 1], min: [-0.1, -0.1], max: [0.1, 0.3], count: 10 },
  },
});

describe('observationsToInputs / actionsToChunks', () => {
  it('prepares images and states as training does, and returns chunks in metres', () => {
    const obs = [0, 1].map((b) => ({
      image: Uint8Array.from({ length: 2 * 2 * 3 }, (_, i) => (i * 20 + b * 5) % 256),
      width: 2,
      height: 2,
      instruction: `task ${b}`,
      state: Float32Array.from([0.6, 1.8 + b]),
    }));
    const inp = observationsToInputs(obs, normalizer);
    expect(inp.images[1]).toBeCloseTo(20 / 255, 6);
    expect(inp.images[12]).toBeCloseTo(5 / 255, 6);
    expect(Array.from(inp.states)).toEqual([1, 1, 1, 1.5]);
    expect(inp.instructions).toEqual(['task 0', 'task 1']);
    const chunks = actionsToChunks(Float32Array.from([-1, -1, 1, 1, 0, 0, 1, -1]), 2, normalizer); // (B=2, T=2, A=2)
    expect(chunks).toHaveLength(2);
    expect(Array.from(chunks[0]!).map((x) => Number(x.toFixed(6)))).toEqual([-0.1, -0.1, 0.1, 0.3]);
    expect(Array.from(chunks[1]!).map((x) => Number(x.toFixed(6)))).toEqual([0, 0.1, 0.1, -0.1]);
  });

  it("with startFrame stacks each observation's first frame after its image, as the batch assembler does", () => {
    const image = Uint8Array.from({ length: 12 }, (_, i) => i * 10);
    const startImage = Uint8Array.from({ length: 12 }, (_, i) => 255 - i);
    const o = { image, width: 2, height: 2, instruction: 'go', state: new Float32Array(2), startImage };
    const inp = observationsToInputs([o], normalizer, 'observation.state', true);
    expect(inp.channels).toBe(6);
    expect(inp.images).toHaveLength(2 * 2 * 6);
    // pixel 1: its RGB (30, 40, 50), then the first frame's (252, 251, 250)
    expect(Array.from(inp.images.subarray(6, 12))).toEqual(
      Array.from(Float32Array.from([30, 40, 50, 252, 251, 250], (v) => v / 255)),
    );
    expect(observationsToInputs([o], normalizer).channels).toBe(3);
    expect(() =>
      observationsToInputs([{ ...o, startImage: undefined }], normalizer, 'observation.state', true),
    ).toThrow(/observation 0: startImage has no bytes, expected 2x2x3/);
  });

  it('errors on mixed image sizes, wrong state width, and a bad action length', () => {
    const o = { image: new Uint8Array(12), width: 2, height: 2, instruction: '', state: new Float32Array(2) };
    expect(() =>
      observationsToInputs([o, { ...o, width: 3, image: new Uint8Array(18) }], normalizer),
    ).toThrow(/observation 1: image is 2x3 with 18 bytes, expected 2x2x3/);
    expect(() => observationsToInputs([{ ...o, state: new Float32Array(3) }], normalizer)).toThrow(
      /state has 3 values, expected 2/,
    );
    expect(() => observationsToInputs([], normalizer)).toThrow(/at least one observation/);
    expect(() => actionsToChunks(new Float32Array(5), 2, normalizer)).toThrow(
      /not a multiple of the batch size 2/,
    );
  });
});
