/**
 * The reactive push expert: the scripted expert's geometry without its memory. Every action is a
 * function of the current state and of what the instruction says, so a policy that sees one
 * frame can clone it: the block path is re-planned each step (no stored waypoints), pushing
 * starts and stops by where the effector stands (no approach/push mode), and goals that the
 * scripted expert takes from the reset are taken from the table as it is now:
 * block2relativelocation pushes along the instructed direction until solved,
 * block2block_relative_location aims at the anchor block where it stands (separate_blocks keeps
 * the reset's goal: it lies on the line from the others' centroid through the block, which a push
 * along that line keeps).
 */
import type { WorldState } from './physics-world.js';
import { BEHIND_GAP, clampInside, GOAL_MARGIN, ScriptedExpert } from './scripted-expert.js';
import { blockRelativeOffset, isSolved, RELATIVE_DIRECTIONS } from './tasks.js';
import { add, dot, norm, sub, unit, type V } from './vec2.js';
import { EFFECTOR_RADIUS as RE } from './workspace.js';

/** How far ahead of the block a relative-location push aims. */
const CARROT = 0.1;
/** A via point counts as reached this close to the block. */
const REACHED = 0.02;

export class ReactiveExpert extends ScriptedExpert {
  protected override plan(state: WorldState): V {
    if (isSolved(this.task, state)) return [0, 0];
    const k = this.task.block;
    const b: V = [state.blocks[k]!.x, state.blocks[k]!.y];
    const e: V = [state.effector[0], state.effector[1]];
    const goal = this.finalGoal(state, b);
    const path = this.planBlockPath(state, b, goal).filter((w) => norm(sub(w, b)) >= REACHED);
    const w = path[0] ?? goal;
    const d = unit(sub(w, b));
    const rb = this.radii[k]!;
    const rel = sub(e, b);
    const behind = -dot(rel, d);
    const lateral = Math.abs(rel[0] * d[1] - rel[1] * d[0]);
    if (behind > 0 && behind < RE + rb + BEHIND_GAP + 0.01 && lateral < 0.6 * rb) {
      const final = path.length === 0 && this.task.family !== 'block2relativelocation';
      return this.pushMove(rel, d, rb, this.pushSpeed(norm(sub(w, b)), final));
    }
    return this.navigate(state, e, this.prePushPoint(b, d, rb));
  }

  protected override finalGoal(state: WorldState, b: V): V {
    const t = this.task;
    switch (t.family) {
      case 'block2relativelocation': {
        const [ux, uy] = RELATIVE_DIRECTIONS[t.direction]!;
        return clampInside(add(b, [ux * CARROT, uy * CARROT]), GOAL_MARGIN);
      }
      case 'block2block_relative_location': {
        const anchor = state.blocks[t.target]!;
        return add([anchor.x, anchor.y], blockRelativeOffset(t.direction));
      }
      default:
        return super.finalGoal(state, b);
    }
  }
}
