/**
 * The scripted push expert. Deterministic: it plans a path for the block (waypoints around a
 * block it must not disturb, a sideways push when the spot behind the block is taken), walks the
 * effector around blocks to the spot behind the block, then pushes it along the path with a
 * contact-point tracking law that corrects drift smoothly. Actions are constant-speed moves
 * (3.5 cm/step travelling, 2 cm/step pushing, slowing near the goal), zero once solved.
 */
import { blockSet } from './blocks.js';
import type { WorldState } from './physics-world.js';
import { blockRadius, blockRelativeOffset, type EpisodeReset, isSolved, type Task } from './tasks.js';
import { add, closestOnSegment, dot, mul, norm, sub, unit, type V } from './vec2.js';
import { EFFECTOR_RADIUS as RE, X_MAX, X_MIN, Y_MAX, Y_MIN } from './workspace.js';

const V_MOVE = 0.035;
const V_PUSH = 0.02;
export const BEHIND_GAP = 0.012;
/** Goals near a wall are moved this far inside it (the block must fit, and the effector behind it). */
export const GOAL_MARGIN = 0.045;
const NAV_MARGIN = 0.007;

/** `p` moved inside the workspace, `margin` from every wall. */
export function clampInside(p: V, margin: number): V {
  return [
    Math.min(X_MAX - margin, Math.max(X_MIN + margin, p[0])),
    Math.min(Y_MAX - margin, Math.max(Y_MIN + margin, p[1])),
  ];
}

function insideEffectorBounds(p: V, margin: number): boolean {
  return p[0] >= X_MIN + margin && p[0] <= X_MAX - margin && p[1] >= Y_MIN + margin && p[1] <= Y_MAX - margin;
}

export class ScriptedExpert {
  protected readonly task: Task;
  protected readonly radii: number[];
  private waypoints: V[] | undefined;
  private mode: 'approach' | 'push' = 'approach';

  constructor(reset: EpisodeReset) {
    this.task = reset.task;
    this.radii = blockSet(reset.blocks).map(blockRadius);
  }

  /**
   * The next action (delta x, delta y in metres) for `state`, rounded to float32 so that
   * recorded demonstrations and policies returning Float32Array replay it exactly.
   */
  act(state: WorldState): V {
    const [x, y] = this.plan(state);
    return [Math.fround(x), Math.fround(y)];
  }

  protected plan(state: WorldState): V {
    if (isSolved(this.task, state)) return [0, 0];
    const k = this.task.block;
    const b: V = [state.blocks[k]!.x, state.blocks[k]!.y];
    const e: V = [state.effector[0], state.effector[1]];
    const goal = this.finalGoal(state, b);
    if (this.waypoints === undefined) this.waypoints = this.planBlockPath(state, b, goal);
    while (this.waypoints.length > 0 && norm(sub(this.waypoints[0]!, b)) < 0.02) this.waypoints.shift();
    const w = this.waypoints[0] ?? goal;
    const final = this.waypoints.length === 0;
    const d = unit(sub(w, b));
    const rb = this.radii[k]!;
    const rel = sub(e, b);
    const behind = -dot(rel, d);
    const lateral = Math.abs(rel[0] * d[1] - rel[1] * d[0]);

    if (this.mode === 'push' && (behind <= -0.012 || lateral > 0.9 * rb || behind > RE + rb + 0.03)) {
      this.mode = 'approach';
      this.waypoints = this.planBlockPath(state, b, goal);
      return this.plan(state);
    }
    const prePush = this.prePushPoint(b, d, rb);
    if (this.mode === 'approach' && norm(sub(e, prePush)) < 0.006) this.mode = 'push';

    if (this.mode === 'push') {
      return this.pushMove(rel, d, rb, this.pushSpeed(norm(sub(w, b)), final));
    }
    return this.navigate(state, e, prePush);
  }

  /** Where the pushed block's centre should end up. */
  protected finalGoal(state: WorldState, b: V): V {
    const t = this.task;
    switch (t.family) {
      case 'block2block': {
        const target: V = [state.blocks[t.target]!.x, state.blocks[t.target]!.y];
        return sub(target, mul(unit(sub(target, b)), 0.03));
      }
      case 'block2absolutelocation':
        return clampInside(t.goal, GOAL_MARGIN);
      case 'block2block_relative_location': {
        const off = blockRelativeOffset(t.direction);
        return add(t.targetStart, off);
      }
      default:
        return [t.goal[0], t.goal[1]];
    }
  }

  /** Blocks the pushed block must not touch on its way (the anchor of a relative task). */
  private hardObstacles(): number[] {
    return this.task.family === 'block2block_relative_location' ? [this.task.target] : [];
  }

  protected planBlockPath(state: WorldState, b: V, goal: V): V[] {
    const k = this.task.block;
    const rb = this.radii[k]!;
    const path: V[] = [];
    const t = this.task;
    if (t.family === 'block2block_relative_location') {
      const anchor: V = [state.blocks[t.target]!.x, state.blocks[t.target]!.y];
      const off = blockRelativeOffset(t.direction);
      const clearance = rb + this.radii[t.target]! + 0.006;
      const q = closestOnSegment(b, goal, anchor);
      if (norm(sub(q, anchor)) < clearance && norm(sub(goal, q)) > 1e-6) {
        // come in from outside, along the offset ray, so the final push never nears the anchor
        const pre = add(goal, mul(unit(off), 0.06));
        const q2 = closestOnSegment(b, pre, anchor);
        if (norm(sub(q2, anchor)) < clearance + 0.01) {
          const n =
            norm(sub(q2, anchor)) < 1e-6 ? unit([-(pre[1] - b[1]), pre[0] - b[0]]) : unit(sub(q2, anchor));
          path.push(add(anchor, mul(n, clearance + 0.035)));
        }
        path.push(pre);
      }
    }
    // a sideways push first when the spot behind the block is taken
    const next = path[0] ?? goal;
    if (!this.prePushFree(state, b, next)) {
      let best: V | undefined;
      let bestCost = Infinity;
      for (let i = 0; i < 16; i++) {
        const th = (2 * Math.PI * i) / 16;
        for (const r of [0.04, 0.07]) {
          const w: V = add(b, [r * Math.cos(th), r * Math.sin(th)]);
          if (!insideEffectorBounds(w, 0.04)) continue;
          if (!this.prePushFree(state, b, w) || !this.prePushFree(state, w, next)) continue;
          if (state.blocks.some((o, j) => j !== k && norm(sub([o.x, o.y], w)) < rb + this.radii[j]! + 0.004))
            continue;
          if (
            this.hardObstacles().some(
              (j) =>
                norm(
                  sub(closestOnSegment(b, w, [state.blocks[j]!.x, state.blocks[j]!.y]), [
                    state.blocks[j]!.x,
                    state.blocks[j]!.y,
                  ]),
                ) <
                rb + this.radii[j]! + 0.006,
            )
          )
            continue;
          const cost = r + norm(sub(next, w));
          if (cost < bestCost - 1e-12) {
            bestCost = cost;
            best = w;
          }
        }
      }
      if (best !== undefined) path.unshift(best);
    }
    return path;
  }

  /** Is there room for the effector behind the block at `from` when pushing towards `to`? */
  protected prePushFree(state: WorldState, from: V, to: V): boolean {
    const k = this.task.block;
    const d = unit(sub(to, from));
    const p = sub(from, mul(d, RE + this.radii[k]! + BEHIND_GAP));
    if (!insideEffectorBounds(p, 0)) return false;
    return state.blocks.every((o, j) => j === k || norm(sub([o.x, o.y], p)) >= RE + this.radii[j]! + 0.003);
  }

  /** Moves the effector towards `target`, around blocks in the way. */
  protected navigate(state: WorldState, e: V, target: V): V {
    // touching a block: slide around it (outwards and towards the target) instead of dragging it
    for (let j = 0; j < state.blocks.length; j++) {
      const c: V = [state.blocks[j]!.x, state.blocks[j]!.y];
      const clearance = RE + this.radii[j]! + 0.002;
      if (norm(sub(e, c)) >= clearance || norm(sub(target, c)) < clearance) continue;
      const out = unit(sub(e, c));
      let tangent: V = [-out[1], out[0]];
      if (dot(tangent, sub(target, e)) < 0) tangent = mul(tangent, -1);
      return mul(unit(add(mul(out, 0.7), tangent)), V_MOVE * 0.6);
    }
    let aim = target;
    let firstT = Infinity;
    const seg = sub(target, e);
    const l2 = Math.max(dot(seg, seg), 1e-12);
    state.blocks.forEach((o, j) => {
      const c: V = [o.x, o.y];
      const clearance = RE + this.radii[j]! + NAV_MARGIN;
      if (norm(sub(e, c)) < clearance - 0.004) return; // already touching: step on, do not dodge
      const q = closestOnSegment(e, target, c);
      if (norm(sub(q, c)) >= clearance) return;
      if (norm(sub(target, c)) < clearance) return;
      const t = dot(sub(c, e), seg) / l2;
      if (t >= firstT) return;
      firstT = t;
      let n = sub(q, c);
      if (norm(n) < 1e-6) n = [-seg[1], seg[0]];
      aim = add(c, mul(unit(n), clearance + 0.012));
    });
    const delta = sub(aim, e);
    const dist = norm(delta);
    const speed = aim === target ? Math.min(V_MOVE, dist) : V_MOVE;
    return this.clip(mul(unit(delta), Math.min(speed, dist)), V_MOVE);
  }

  /**
   * The push law: advance along `d` at `speed`, close any gap behind the block, steer back onto
   * the line through the block. `rel` is effector minus block, `rb` the block's radius.
   */
  protected pushMove(rel: V, d: V, rb: number, speed: number): V {
    const behind = -dot(rel, d);
    const gap = Math.max(0, behind - (RE + 0.8 * rb));
    const perp: V = [-d[1], d[0]];
    const side = dot(rel, perp);
    const move = add(mul(d, speed + Math.min(gap, 0.02)), mul(perp, -0.5 * side));
    return this.clip(move, speed * 1.6 + 0.01);
  }

  /** Where the effector stands to push the block at `b` (radius `rb`) along `d`. */
  protected prePushPoint(b: V, d: V, rb: number): V {
    return sub(b, mul(d, RE + rb + BEHIND_GAP));
  }

  /** Push speed: constant, slowing down over the last stretch (`remaining`) before the final goal. */
  protected pushSpeed(remaining: number, final: boolean): number {
    return final ? Math.min(V_PUSH, remaining * 0.7 + 0.003) : V_PUSH;
  }

  protected clip(v: V, max: number): V {
    const n = norm(v);
    return n > max ? mul(v, max / n) : v;
  }
}
