import { describe, expect, it } from 'vitest';
import { takeCheckpointTensors, transposeMatrix } from './checkpoint-mapping.js';
import { VlakitError } from './errors.js';
import { parseSafetensors, serializeSafetensors } from './safetensors.js';

const f32 = (shape: number[]) => ({
  dtype: 'F32' as const,
  shape,
  data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i),
});

describe('takeCheckpointTensors', () => {
  const expected = [
    { key: 'a.weight', shape: [2, 3] },
    { key: 'a.LayerNorm.weight', shape: [3] },
    { key: 'pos', shape: [-1, 3] },
  ];

  it('strips the best prefix, applies aliases, ignores heads and accepts free (-1) dims', () => {
    const file = parseSafetensors(
      serializeSafetensors({
        'm.a.weight': f32([2, 3]),
        'm.a.LayerNorm.gamma': f32([3]),
        'm.pos': f32([5, 3]),
        'm.head.bias': f32([1]),
      }),
    );
    const t = takeCheckpointTensors(file, 'f', expected, {
      prefixes: ['m.'],
      ignore: [/^head\./],
      aliases: [[/LayerNorm\.gamma$/, 'LayerNorm.weight']],
    });
    expect(t.prefix).toBe('m.');
    expect(t.ignored).toEqual(['m.head.bias']);
    expect(t.shapes.get('pos')).toEqual([5, 3]);
    expect(Array.from(t.values.get('a.weight')!)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('reports missing, unexpected and mis-shaped keys together', () => {
    const file = parseSafetensors(serializeSafetensors({ 'a.weight': f32([3, 2]), extra: f32([1]) }));
    let caught: unknown;
    try {
      takeCheckpointTensors(file, 'model.safetensors', expected);
    } catch (e) {
      caught = e;
    }
    expect(VlakitError.isInstance(caught, 'checkpoint')).toBe(true);
    const msg = (caught as Error).message;
    expect(msg).toContain('missing keys (2): a.LayerNorm.weight, pos');
    expect(msg).toContain('unexpected keys (1): extra');
    expect(msg).toContain('mis-shaped keys (1): a.weight: expected [2,3], got [3,2]');
  });

  it('transposeMatrix turns (out, in) into (in, out)', () => {
    expect(Array.from(transposeMatrix(Float32Array.from([1, 2, 3, 4, 5, 6]), 2, 3))).toEqual([
      1, 4, 2, 5, 3, 6,
    ]);
  });
});
