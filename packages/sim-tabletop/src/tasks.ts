/**
 * Language-Table's five task families: how a reset picks the task, and when it is solved.
 * Thresholds and offsets are Language-Table's (language_table/environments/rewards/*.py).
 */
import { type BlockKind, type BlockSet, blockSet, SHAPE_GEOMETRY } from './blocks.js';
import {
  absoluteLocationInstruction,
  block2blockInstruction,
  blockRelativeInstruction,
  relativeLocationInstruction,
  separateInstruction,
} from './instructions.js';
import type { BlockPose, WorldState } from './physics-world.js';
import { SeededRng } from './seeded-rng.js';
import { EFFECTOR_START, targetInsideBounds, X_MAX, X_MIN, Y_MAX, Y_MIN } from './workspace.js';

export const FAMILIES = [
  'block2block',
  'block2absolutelocation',
  'block2relativelocation',
  'block2block_relative_location',
  'separate_blocks',
] as const;
export type Family = (typeof FAMILIES)[number];

/** block2block: solved when the two blocks are closer than this (TARGET_BLOCK_DISTANCE). */
export const TARGET_BLOCK_DISTANCE = 0.05;
/** block2absolutelocation: solved within 0.115 of the location, 0.1 for "center". */
export const ABSOLUTE_LOCATION_DISTANCE = 0.115;
export const ABSOLUTE_CENTER_DISTANCE = 0.1;
/** block2relativelocation: solved within 0.1 of start + offset; offsets near 0.15, far 0.25. */
export const RELATIVE_LOCATION_DISTANCE = 0.1;
export const RELATIVE_MAGNITUDES = { far: 0.25, near: 0.15 } as const;
/** block2block_relative_location: within 0.04 of the offset line; target dragged > 0.05 fails. */
export const BLOCK_RELATIVE_DISTANCE = 0.04;
export const BLOCK_RELATIVE_MAGNITUDE = 0.08;
export const BLOCK_RELATIVE_MAGNITUDE_DIAGONAL = 0.04;
export const DRAGGED_THRESHOLD = 0.05;
/** separate_blocks: blocks closer than 0.08 are joined; goal 0.1 from their centroid; solved within 0.025. */
export const CONSIDERED_JOINED_THRESHOLD = 0.08;
export const SEPARATE_MAGNITUDE = 0.1;
export const SEPARATE_DISTANCE = 0.025;

const ABS_X_MIN = X_MIN - 0.025;
const ABS_X_MAX = X_MAX - 0.025;
const ABS_CX = (ABS_X_MAX - ABS_X_MIN) / 2 + ABS_X_MIN;
const ABS_CY = (Y_MAX - Y_MIN) / 2 + Y_MIN;
export const ABSOLUTE_LOCATIONS: Readonly<Record<string, readonly [number, number]>> = {
  top: [ABS_X_MIN, ABS_CY],
  top_left: [ABS_X_MIN, Y_MIN],
  top_right: [ABS_X_MIN, Y_MAX],
  center: [ABS_CX, ABS_CY],
  center_left: [ABS_CX, Y_MIN],
  center_right: [ABS_CX, Y_MAX],
  bottom: [ABS_X_MAX, ABS_CY],
  bottom_left: [ABS_X_MAX, Y_MIN],
  bottom_right: [ABS_X_MAX, Y_MAX],
};

const D = Math.SQRT1_2;
/** Unit directions in (x, y); "up" is towards the robot base (-x), "left" is -y. */
export const RELATIVE_DIRECTIONS: Readonly<Record<string, readonly [number, number]>> = {
  up: [-1, 0],
  down: [1, 0],
  left: [0, -1],
  right: [0, 1],
  diagonal_up_left: [-D, -D],
  diagonal_up_right: [-D, D],
  diagonal_down_left: [D, -D],
  diagonal_down_right: [D, D],
};
const BLOCK_RELATIVE_DIRECTIONS = [
  'up',
  'down',
  'left',
  'right',
  'diagonal_up_left',
  'diagonal_up_right',
  'diagonal_down_left',
  'diagonal_down_right',
];

export type Task =
  | { family: 'block2block'; block: number; target: number }
  | { family: 'block2absolutelocation'; block: number; location: string; goal: [number, number] }
  | {
      family: 'block2relativelocation';
      block: number;
      direction: string;
      distance: 'near' | 'far';
      goal: [number, number];
    }
  | {
      family: 'block2block_relative_location';
      block: number;
      target: number;
      direction: string;
      /** Where the target block stood at reset (dragging it more than 0.05 fails the task). */
      targetStart: [number, number];
    }
  | { family: 'separate_blocks'; block: number; avoid: number[]; goal: [number, number] };

/** A sampled episode start: the table, the effector, the task and its instruction. */
export interface EpisodeReset {
  family: Family;
  blocks: BlockSet;
  /** The seed this reset was drawn from. */
  seed: number;
  poses: BlockPose[];
  effector: [number, number];
  task: Task;
  instruction: string;
}

function dist(ax: number, ay: number, bx: number, by: number): number {
  return Math.hypot(ax - bx, ay - by);
}

/** The offset of a block_relative goal from the target block. */
export function blockRelativeOffset(direction: string): [number, number] {
  const diag = direction.startsWith('diagonal');
  const [ux, uy] = RELATIVE_DIRECTIONS[direction]!;
  const m = diag ? BLOCK_RELATIVE_MAGNITUDE_DIAGONAL : BLOCK_RELATIVE_MAGNITUDE;
  return [Math.sign(ux) * m, Math.sign(uy) * m];
}

/** Whether the task is solved in `state` (Language-Table's reward > 0, no reward delay). */
export function isSolved(task: Task, state: WorldState): boolean {
  const b = state.blocks[task.block]!;
  switch (task.family) {
    case 'block2block': {
      const t = state.blocks[task.target]!;
      return dist(b.x, b.y, t.x, t.y) < TARGET_BLOCK_DISTANCE;
    }
    case 'block2absolutelocation': {
      const limit = task.location === 'center' ? ABSOLUTE_CENTER_DISTANCE : ABSOLUTE_LOCATION_DISTANCE;
      return dist(b.x, b.y, task.goal[0], task.goal[1]) < limit;
    }
    case 'block2relativelocation':
      return dist(b.x, b.y, task.goal[0], task.goal[1]) < RELATIVE_LOCATION_DISTANCE;
    case 'block2block_relative_location': {
      const t = state.blocks[task.target]!;
      const [ox, oy] = blockRelativeOffset(task.direction);
      let onLine = false;
      for (let i = 0; i < 10; i++) {
        const f = 0.5 + ((1.1 - 0.5) * i) / 9;
        if (dist(t.x + ox * f, t.y + oy * f, b.x, b.y) < BLOCK_RELATIVE_DISTANCE) {
          onLine = true;
          break;
        }
      }
      const dragged = dist(t.x, t.y, task.targetStart[0], task.targetStart[1]) > DRAGGED_THRESHOLD;
      return onLine && !dragged;
    }
    case 'separate_blocks':
      return dist(b.x, b.y, task.goal[0], task.goal[1]) < SEPARATE_DISTANCE;
  }
}

/** The block to push and the goal its centre should reach (used by the expert and the docs). */
export function pushGoal(task: Task, state: WorldState): [number, number] {
  switch (task.family) {
    case 'block2block': {
      const t = state.blocks[task.target]!;
      return [t.x, t.y];
    }
    case 'block2block_relative_location': {
      const [ox, oy] = blockRelativeOffset(task.direction);
      return [task.targetStart[0] + ox, task.targetStart[1] + oy];
    }
    default:
      return [task.goal[0], task.goal[1]];
  }
}

const MIN_BLOCK_SPACING = 0.065;
const PLACEMENT_MARGIN = 0.05;

function samplePoses(rng: SeededRng, kinds: readonly BlockKind[]): BlockPose[] {
  const poses: BlockPose[] = [];
  for (let i = 0; i < kinds.length; i++) {
    for (let tries = 0; ; tries++) {
      const x = rng.range(X_MIN + PLACEMENT_MARGIN, X_MAX - PLACEMENT_MARGIN);
      const y = rng.range(Y_MIN + PLACEMENT_MARGIN, Y_MAX - PLACEMENT_MARGIN);
      const angle = rng.range(0, 2 * Math.PI);
      const clear =
        poses.every((p) => dist(p.x, p.y, x, y) >= MIN_BLOCK_SPACING) &&
        dist(EFFECTOR_START[0], EFFECTOR_START[1], x, y) >= 0.06;
      if (clear || tries > 500) {
        poses.push({ x, y, angle });
        break;
      }
    }
  }
  return poses;
}

/** Moves one block next to another so that a "separate" task exists; false when it cannot. */
function joinTwoBlocks(rng: SeededRng, poses: BlockPose[]): boolean {
  const a = rng.int(poses.length);
  let b = rng.int(poses.length - 1);
  if (b >= a) b++;
  const pb = poses[b]!;
  for (let tries = 0; tries < 50; tries++) {
    const r = rng.range(0.048, 0.072);
    const th = rng.range(0, 2 * Math.PI);
    const x = pb.x + r * Math.cos(th);
    const y = pb.y + r * Math.sin(th);
    if (x < X_MIN + PLACEMENT_MARGIN || x > X_MAX - PLACEMENT_MARGIN) continue;
    if (y < Y_MIN + PLACEMENT_MARGIN || y > Y_MAX - PLACEMENT_MARGIN) continue;
    if (dist(EFFECTOR_START[0], EFFECTOR_START[1], x, y) < 0.06) continue;
    if (poses.some((p, i) => i !== a && i !== b && dist(p.x, p.y, x, y) < MIN_BLOCK_SPACING)) continue;
    poses[a] = { x, y, angle: poses[a]!.angle };
    return true;
  }
  return false;
}

function twoBlocks(rng: SeededRng, n: number): [number, number] {
  const a = rng.int(n);
  let b = rng.int(n - 1);
  if (b >= a) b++;
  return [a, b];
}

function sampleTask(
  family: Family,
  rng: SeededRng,
  kinds: readonly BlockKind[],
  poses: BlockPose[],
): { task: Task; instruction: string } | undefined {
  const n = kinds.length;
  switch (family) {
    case 'block2block': {
      for (let k = 0; k <= 10; k++) {
        const [a, b] = twoBlocks(rng, n);
        if (dist(poses[a]!.x, poses[a]!.y, poses[b]!.x, poses[b]!.y) < TARGET_BLOCK_DISTANCE + 0.01) continue;
        return {
          task: { family, block: a, target: b },
          instruction: block2blockInstruction(rng, a, b, kinds),
        };
      }
      return undefined;
    }
    case 'block2absolutelocation': {
      const block = rng.int(n);
      const names = Object.keys(ABSOLUTE_LOCATIONS).sort();
      const location = rng.choice(names);
      const goal = ABSOLUTE_LOCATIONS[location]!;
      return {
        task: { family, block, location, goal: [goal[0], goal[1]] },
        instruction: absoluteLocationInstruction(rng, block, location, kinds),
      };
    }
    case 'block2relativelocation': {
      for (let k = 0; k <= 100; k++) {
        const block = rng.int(n);
        const direction = rng.choice(Object.keys(RELATIVE_DIRECTIONS).sort());
        const distance = rng.choice(['far', 'near'] as const);
        const [ux, uy] = RELATIVE_DIRECTIONS[direction]!;
        const m = RELATIVE_MAGNITUDES[distance];
        const goal: [number, number] = [poses[block]!.x + ux * m, poses[block]!.y + uy * m];
        if (!targetInsideBounds(goal[0], goal[1])) continue;
        return {
          task: { family, block, direction, distance, goal },
          instruction: relativeLocationInstruction(rng, block, distance, direction, kinds),
        };
      }
      return undefined;
    }
    case 'block2block_relative_location': {
      for (let k = 0; k <= 100; k++) {
        const [block, target] = twoBlocks(rng, n);
        const direction = rng.choice(BLOCK_RELATIVE_DIRECTIONS);
        const [ox, oy] = blockRelativeOffset(direction);
        const t = poses[target]!;
        if (!targetInsideBounds(t.x + ox, t.y + oy)) continue;
        return {
          task: { family, block, target, direction, targetStart: [t.x, t.y] },
          instruction: blockRelativeInstruction(rng, block, target, direction, kinds),
        };
      }
      return undefined;
    }
    case 'separate_blocks': {
      if (!joinTwoBlocks(rng, poses)) return undefined;
      const close = poses.map((p, i) => {
        const near = poses
          .map((q, j) => ({ j, d: dist(p.x, p.y, q.x, q.y) }))
          .filter((e) => e.j !== i && e.d < CONSIDERED_JOINED_THRESHOLD)
          .sort((u, v) => u.d - v.d);
        const avg = near.length === 0 ? Infinity : near.reduce((s, e) => s + e.d, 0) / near.length;
        return { i, avoid: near.map((e) => e.j), avg };
      });
      close.sort((u, v) => u.avg - v.avg);
      const { i: block, avoid } = close[0]!;
      if (avoid.length === 0) return undefined;
      const cx = avoid.reduce((s, j) => s + poses[j]!.x, 0) / avoid.length;
      const cy = avoid.reduce((s, j) => s + poses[j]!.y, 0) / avoid.length;
      const p = poses[block]!;
      const norm = dist(p.x, p.y, cx, cy) + 1.1920929e-7;
      const goal: [number, number] = [
        cx - ((cx - p.x) / norm) * SEPARATE_MAGNITUDE,
        cy - ((cy - p.y) / norm) * SEPARATE_MAGNITUDE,
      ];
      if (!targetInsideBounds(goal[0], goal[1])) return undefined;
      return {
        task: { family, block, avoid, goal },
        instruction: separateInstruction(rng, block, avoid, kinds),
      };
    }
  }
}

/**
 * Draws a reset for `family` from `seed`: block poses, the task (Language-Table's reset rules:
 * targets inside the workspace buffer, block2block pairs at least 0.06 apart, never already
 * solved) and its instruction. Pure: the same seed gives the same reset.
 */
export function sampleReset(family: Family, blocks: BlockSet, seed: number): EpisodeReset {
  const kinds = blockSet(blocks);
  const rng = new SeededRng(seed);
  for (;;) {
    const poses = samplePoses(rng, kinds);
    const sampled = sampleTask(family, rng, kinds, poses);
    if (sampled === undefined) continue;
    const effector: [number, number] = [EFFECTOR_START[0], EFFECTOR_START[1]];
    if (isSolved(sampled.task, { effector, blocks: poses })) continue;
    return { family, blocks, seed, poses, effector, task: sampled.task, instruction: sampled.instruction };
  }
}

/** The largest distance from a block's centre to its outline. */
export function blockRadius(kind: BlockKind): number {
  return SHAPE_GEOMETRY[kind.shape].radius;
}
