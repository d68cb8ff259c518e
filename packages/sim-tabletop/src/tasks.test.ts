import { describe, expect, it } from 'vitest';
import type { BlockPose, WorldState } from './physics-world.js';
import { FAMILIES, isSolved, sampleReset, type Task } from './tasks.js';
import { targetInsideBounds } from './workspace.js';

const pose = (x: number, y: number): BlockPose => ({ x, y, angle: 0 });
const world = (...blocks: BlockPose[]): WorldState => ({ effector: [0.3, -0.2], blocks });

describe('success checks (Language-Table thresholds)', () => {
  it('block2block: blocks closer than 0.05', () => {
    const task: Task = { family: 'block2block', block: 0, target: 1 };
    expect(isSolved(task, world(pose(0.3, 0), pose(0.349, 0)))).toBe(true);
    expect(isSolved(task, world(pose(0.3, 0), pose(0.351, 0)))).toBe(false);
  });

  it('block2absolutelocation: within 0.115, or 0.1 for the center', () => {
    const corner: Task = {
      family: 'block2absolutelocation',
      block: 0,
      location: 'top_left',
      goal: [0.125, -0.3048],
    };
    expect(isSolved(corner, world(pose(0.125 + 0.08, -0.3048 + 0.08)))).toBe(true); // 0.113
    expect(isSolved(corner, world(pose(0.125 + 0.082, -0.3048 + 0.082)))).toBe(false); // 0.116
    const center: Task = { family: 'block2absolutelocation', block: 0, location: 'center', goal: [0.35, 0] };
    expect(isSolved(center, world(pose(0.35, 0.099)))).toBe(true);
    expect(isSolved(center, world(pose(0.35, 0.105)))).toBe(false);
  });

  it('block2relativelocation: within 0.1 of start + offset', () => {
    const task: Task = {
      family: 'block2relativelocation',
      block: 0,
      direction: 'up',
      distance: 'far',
      goal: [0.25, 0],
    };
    expect(isSolved(task, world(pose(0.349, 0)))).toBe(true);
    expect(isSolved(task, world(pose(0.351, 0)))).toBe(false);
  });

  it('block2block_relative_location: on the offset line within 0.04, target not dragged over 0.05', () => {
    const task: Task = {
      family: 'block2block_relative_location',
      block: 0,
      target: 1,
      direction: 'left',
      targetStart: [0.4, 0],
    };
    // goal line runs from 0.04 to 0.088 left (-y) of the target block
    expect(isSolved(task, world(pose(0.4, -0.08), pose(0.4, 0)))).toBe(true);
    expect(isSolved(task, world(pose(0.4, -0.13), pose(0.4, 0)))).toBe(false);
    expect(isSolved(task, world(pose(0.4, 0.08), pose(0.4, 0)))).toBe(false); // wrong side
    // the line moves with the target block, but dragging it more than 0.05 fails
    expect(isSolved(task, world(pose(0.44, -0.08), pose(0.44, 0)))).toBe(true);
    expect(isSolved(task, world(pose(0.46, -0.08), pose(0.46, 0)))).toBe(false);
    const diag: Task = { ...task, direction: 'diagonal_up_right' };
    expect(isSolved(diag, world(pose(0.36, 0.04), pose(0.4, 0)))).toBe(true);
  });

  it('separate_blocks: within 0.025 of the separated goal', () => {
    const task: Task = { family: 'separate_blocks', block: 0, avoid: [1], goal: [0.3, 0.1] };
    expect(isSolved(task, world(pose(0.3, 0.076), pose(0.3, 0)))).toBe(true);
    expect(isSolved(task, world(pose(0.3, 0.074), pose(0.3, 0)))).toBe(false);
  });
});

describe('sampleReset', () => {
  it('follows the reset rules of every family and is a pure function of the seed', () => {
    for (const family of FAMILIES) {
      for (const blocks of [4, 8] as const) {
        for (let seed = 0; seed < 15; seed++) {
          const r = sampleReset(family, blocks, seed);
          expect(r.poses).toHaveLength(blocks);
          expect(sampleReset(family, blocks, seed)).toEqual(r);
          const state = world(...r.poses);
          expect(isSolved(r.task, state)).toBe(false);
          const t = r.task;
          if (t.family === 'block2block') {
            const [a, b] = [r.poses[t.block]!, r.poses[t.target]!];
            expect(Math.hypot(a.x - b.x, a.y - b.y)).toBeGreaterThanOrEqual(0.06);
          }
          if (t.family === 'block2relativelocation' || t.family === 'separate_blocks') {
            expect(targetInsideBounds(t.goal[0], t.goal[1])).toBe(true);
          }
          if (t.family === 'separate_blocks') {
            const p = r.poses[t.block]!;
            for (const j of t.avoid)
              expect(Math.hypot(p.x - r.poses[j]!.x, p.y - r.poses[j]!.y)).toBeLessThan(0.08);
          }
        }
      }
    }
  });
});
