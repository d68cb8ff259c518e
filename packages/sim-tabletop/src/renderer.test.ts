import { describe, expect, it } from 'vitest';
import { type BlockKind, COLOR_RGB, COLORS, SHAPES } from './blocks.js';
import { Renderer, TABLE_RGB } from './renderer.js';

const at = (x: number, y: number, angle = 0) => ({
  effector: [0.59, 0.3] as [number, number],
  blocks: [{ x, y, angle }],
});

describe('Renderer', () => {
  it('draws each colour recognisably at 64x64', () => {
    const r = new Renderer(64, 64);
    for (const color of COLORS) {
      const img = r.render([{ color, shape: 'cube' }], at(0.375, 0));
      // the block centre sits at row 32, column 32
      const k = (32 * 64 + 32) * 3;
      expect([img[k], img[k + 1], img[k + 2]]).toEqual([...COLOR_RGB[color]]);
      expect([img[0], img[1], img[2]]).toEqual([...TABLE_RGB]);
    }
  });

  it('tells the four shapes apart at 64x64 by nearest template, at any rotation', () => {
    const r = new Renderer(64, 64);
    const mask = (shape: BlockKind['shape'], angle: number, dx: number) => {
      const img = r.render([{ color: 'red', shape }], at(0.375 + dx, dx, angle));
      // coverage of the red channel over the table, in a 12x12 window around the block
      const out: number[] = [];
      const cr = Math.round(32 + dx * (64 / 0.45));
      const cc = Math.round(32 + dx * (64 / 0.6096));
      for (let y = cr - 6; y < cr + 6; y++)
        for (let x = cc - 6; x < cc + 6; x++) out.push(img[(y * 64 + x) * 3 + 1]!);
      return out;
    };
    let correct = 0;
    let total = 0;
    for (const shape of SHAPES) {
      for (let k = 0; k < 6; k++) {
        const angle = k * 0.7 + 0.2;
        const probe = mask(shape, angle, 0);
        let best = '';
        let bestD = Infinity;
        for (const cand of SHAPES) {
          for (let a = 0; a < 72; a++) {
            const tmpl = mask(cand, (a * 2 * Math.PI) / 72, 0);
            const d = tmpl.reduce((s, v, i) => s + Math.abs(v - probe[i]!), 0);
            if (d < bestD) {
              bestD = d;
              best = cand;
            }
          }
        }
        total++;
        if (best === shape) correct++;
      }
    }
    expect(correct / total).toBeGreaterThanOrEqual(0.95);
  });
});
