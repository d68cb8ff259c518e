import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BLOCK_4,
  COLOR_RGB,
  EFFECTOR_RGB,
  environmentStateNames,
  Renderer,
  X_MAX,
  X_MIN,
  Y_MAX,
  Y_MIN,
} from '@vlakit/sim-tabletop';
import { TABLETOP_KEYPOINTS } from '@vlakit/trainer';
import { describe, expect, it } from 'vitest';
import { runCaptured } from '../test-run.js';

const run = runCaptured;

describe("the demo's keypoint supervision matches the simulator", () => {
  it('points name effector and block x, y; the ranges map them onto the rendered pixels', () => {
    const names = environmentStateNames(4);
    const kp = TABLETOP_KEYPOINTS;
    expect(kp.points.map(([r, c]) => [names[r], names[c]])).toEqual([
      ['effector_x', 'effector_y'],
      ...BLOCK_4.map((k) => [`${k.color}_${k.shape}_x`, `${k.color}_${k.shape}_y`]),
    ]);
    expect([kp.rowRange, kp.colRange]).toEqual([
      [X_MIN, X_MAX],
      [Y_MIN, Y_MAX],
    ]);
    // a frame: the pixel each point maps to has its object's colour (the crescent's reference
    // point lies off its body, so blocks 1-3 and the effector are checked)
    const r = new Renderer(64, 64);
    const state = {
      effector: [0.5, 0.2] as [number, number],
      blocks: [
        { x: 0.25, y: -0.2, angle: 0 },
        { x: 0.3, y: 0.05, angle: 0.3 },
        { x: 0.45, y: -0.1, angle: 1 },
        { x: 0.52, y: 0.22 - 0.1, angle: 2 },
      ],
    };
    const img = r.render(BLOCK_4, state);
    const env = [...state.effector, ...state.blocks.flatMap((b) => [b.x, b.y, b.angle])];
    const colours = [EFFECTOR_RGB, ...BLOCK_4.map((k) => COLOR_RGB[k.color])];
    for (const i of [0, 2, 3, 4]) {
      const [ri, ci] = kp.points[i]!;
      const row = Math.floor(((env[ri]! - kp.rowRange[0]) / (kp.rowRange[1] - kp.rowRange[0])) * 64);
      const col = Math.floor(((env[ci]! - kp.colRange[0]) / (kp.colRange[1] - kp.colRange[0])) * 64);
      const o = (row * 64 + col) * 3;
      expect([img[o], img[o + 1], img[o + 2]], `point ${i}`).toEqual([...colours[i]!]);
    }
  });
});

describe('vla generate', () => {
  it('writes a LeRobot v3 dataset; the same seed reproduces identical data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vla-gen-'));
    const args = ['--episodes', '5', '--seed', '3', '--image-size', '32', '--workers', '1', '--json'];
    const a = await run(['generate', ...args, '--out', 'a'], dir);
    expect(a.code, a.stderr).toBe(0);
    const out = JSON.parse(a.lastLine);
    expect(out).toMatchObject({ episodes: 5, out: join(dir, 'a') });
    expect(Object.keys(out.families)).toHaveLength(5);
    expect(a.stderr).toContain('generate: 5/5 episodes');
    const b = await run(['generate', ...args, '--out', 'b', '--filmstrips'], dir);
    expect(b.code, b.stderr).toBe(0);
    const data = (d: string) => readFileSync(join(dir, d, 'data/chunk-000/file-000.parquet'));
    expect(data('a').equals(data('b'))).toBe(true);
    expect(readFileSync(join(dir, 'b/previews/block2block.png')).subarray(1, 4).toString()).toBe('PNG');
    const info = JSON.parse(readFileSync(join(dir, 'a/meta/info.json'), 'utf8'));
    expect(info.features['observation.image'].shape).toEqual([32, 32, 3]);
    expect(info.vlakit).toMatchObject({ blocks: 4, seed: 3, image_size: [32, 32] });
    const stats = JSON.parse(readFileSync(join(dir, 'a/meta/stats.json'), 'utf8'));
    expect(stats['observation.image'].mean).toHaveLength(3);
    expect(stats.action.max[0]).toBeLessThanOrEqual(0.1);
    // the full simulator state rides along as LeRobot's observation.environment_state
    expect(info.features['observation.environment_state'].shape).toEqual([14]);
    expect(info.features['observation.environment_state'].names.slice(0, 5)).toEqual([
      'effector_x',
      'effector_y',
      'red_moon_x',
      'red_moon_y',
      'red_moon_angle',
    ]);
    expect(stats['observation.environment_state'].min[0]).toBeGreaterThanOrEqual(0.15);
    const again = await run(['generate', ...args, '--out', 'a'], dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
  });

  it('rejects bad flags saying what was expected', async () => {
    const r = await run(['generate', '--episodes', '0', '--out', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('expected a positive integer, got "0"');
    const f = await run(['generate', '--episodes', '2', '--out', 'x', '--families', 'block2block,fly']);
    expect(f.stderr).toContain('"fly" is not one of block2block');
    const b = await run(['expert', '--blocks', '6']);
    expect(b.stderr).toContain('expected one of 4, 8, got "6"');
    const s = await run(['expert', '--image-size', '999']);
    expect(s.stderr).toContain('expected 8 to 320 pixels');
  });
});

describe('vla expert', () => {
  it('--json prints the report shape with expert_solve_rate per family', async () => {
    const r = await run(['expert', '--episodes', '2', '--workers', '1', '--image-size', '16', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.lastLine);
    expect(out.episodes_per_family).toBe(2);
    expect(out.pc_success).toBe(100);
    expect(Object.keys(out.families)).toEqual([
      'block2block',
      'block2absolutelocation',
      'block2relativelocation',
      'block2block_relative_location',
      'separate_blocks',
    ]);
    for (const f of Object.values(out.families) as Record<string, unknown>[]) {
      expect(f).toMatchObject({ pc_success: 100, ci95: [expect.any(Number), 100] });
      expect(f.expert_solve_rate).toBeGreaterThan(0);
    }
  });
});
