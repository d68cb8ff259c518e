/**
 * Reset acceptance and expert rollouts. As in Language-Table, a sampled reset is kept only when
 * the scripted expert solves it; a rejected reset is replaced by the next attempt, whose seed is
 * derived from the episode seed and the attempt number, so the accepted reset is reproducible.
 */
import { type BlockSet, blockSet } from './blocks.js';
import type { WorldState } from './physics-world.js';
import { ScriptedExpert } from './scripted-expert.js';
import { childSeed } from './seeded-rng.js';
import { SimError } from './sim-error.js';
import { TabletopEnv } from './tabletop-env.js';
import { type EpisodeReset, type Family, sampleReset } from './tasks.js';

export const DEFAULT_MAX_STEPS = 200;
/** Demonstrations end with this many done = true steps: the solving step and the ones after it. */
export const STEPS_AFTER_SUCCESS = 3;
/** A reset seed whose expert fails this many fresh resets in a row is an error, not a loop. */
const MAX_ATTEMPTS = 100;

/** Seeds for training data and for evaluation never coincide, whatever the user's seed. */
export type SeedPurpose = 'generate' | 'evaluate';

export function episodeSeed(seed: number, purpose: SeedPurpose, family: Family, index: number): number {
  return childSeed(seed, `${purpose}/${family}/${index}`);
}

export interface ExpertRun {
  solved: boolean;
  /** Steps until solved (or the step limit). */
  steps: number;
}

/** Runs the expert on `reset` without rendering. */
export function runExpert(reset: EpisodeReset, maxSteps = DEFAULT_MAX_STEPS): ExpertRun {
  const env = new TabletopEnv(reset, { imageWidth: 8, imageHeight: 8 });
  const expert = new ScriptedExpert(reset);
  while (env.steps < maxSteps) {
    if (env.step(expert.act(env.state()))) return { solved: true, steps: env.steps };
  }
  return { solved: false, steps: env.steps };
}

export interface AcceptedReset {
  reset: EpisodeReset;
  /** Resets sampled until the expert solved one (1 = the first was accepted). */
  attempts: number;
  /** Steps the expert needed on the accepted reset. */
  expertSteps: number;
}

/**
 * The first reset drawn for this episode seed that the expert solves within `maxSteps` (default
 * 200, Language-Table's limit; evaluation and generation always accept with that budget, so
 * their own step limits never change which resets are drawn).
 */
export function acceptedReset(
  family: Family,
  blocks: BlockSet,
  seed: number,
  maxSteps = DEFAULT_MAX_STEPS,
): AcceptedReset {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const reset = sampleReset(family, blocks, attemptSeed(seed, attempt));
    const run = runExpert(reset, maxSteps);
    if (run.solved) return { reset, attempts: attempt + 1, expertSteps: run.steps };
  }
  throw new SimError(
    'runtime',
    `the expert solved none of ${MAX_ATTEMPTS} resets for ${family} seed ${seed}`,
  );
}

/** The seed of the `attempt`-th reset drawn for an episode seed (attempt 0 is the seed itself). */
export function attemptSeed(seed: number, attempt: number): number {
  return attempt === 0 ? seed : childSeed(seed, `attempt/${attempt}`);
}

/**
 * The demonstration for an episode seed: the same accepted reset as `acceptedReset`, recorded
 * in the same pass that checks it (a rejected reset's recording is dropped), so generation runs
 * the expert once per accepted episode instead of twice.
 */
export function generateDemonstration(
  family: Family,
  blocks: BlockSet,
  seed: number,
  imageWidth = 64,
  imageHeight = 64,
): Demonstration {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const reset = sampleReset(family, blocks, attemptSeed(seed, attempt));
    const demo = recordDemonstration(
      { reset, attempts: attempt + 1, expertSteps: 0 },
      imageWidth,
      imageHeight,
    );
    if (demo.done.some(Boolean)) return demo;
  }
  throw new SimError(
    'runtime',
    `the expert solved none of ${MAX_ATTEMPTS} resets for ${family} seed ${seed}`,
  );
}

/** One demonstration: per step the frame before the action, the effector, the action and done. */
export interface Demonstration {
  reset: EpisodeReset;
  instruction: string;
  family: Family;
  width: number;
  height: number;
  /** RGB frames, H*W*3 each. */
  frames: Uint8Array[];
  /** (T, 2) effector x, y before each action, metres. */
  states: Float32Array;
  /** (T, 2) delta x, y, metres. */
  actions: Float32Array;
  /**
   * (T, 2 + 3N) the full simulator state before each action (LeRobot's
   * observation.environment_state): effector x, y, then x, y, angle of each of the N blocks in
   * `blockSet` order; named by `environmentStateNames`.
   */
  environmentStates: Float32Array;
  /** (T) true from the step whose action solves the task. */
  done: boolean[];
  attempts: number;
}

/** Records the expert on an accepted reset: frames until success plus STEPS_AFTER_SUCCESS. */
export function recordDemonstration(
  accepted: AcceptedReset,
  imageWidth = 64,
  imageHeight = 64,
  maxSteps = DEFAULT_MAX_STEPS,
): Demonstration {
  const { reset } = accepted;
  const env = new TabletopEnv(reset, { imageWidth, imageHeight });
  const expert = new ScriptedExpert(reset);
  const frames: Uint8Array[] = [];
  const states: number[] = [];
  const actions: number[] = [];
  const environment: number[] = [];
  const done: boolean[] = [];
  let after = -1;
  while (after >= 0 ? after < STEPS_AFTER_SUCCESS - 1 : env.steps < maxSteps) {
    const s: WorldState = env.state();
    frames.push(env.render());
    states.push(s.effector[0], s.effector[1]);
    environment.push(s.effector[0], s.effector[1], ...s.blocks.flatMap((b) => [b.x, b.y, b.angle]));
    const a = expert.act(s);
    actions.push(a[0], a[1]);
    const solved = env.step(a) || after >= 0;
    done.push(solved);
    if (solved) after++;
  }
  return {
    reset,
    instruction: reset.instruction,
    family: reset.family,
    width: env.renderer.width,
    height: env.renderer.height,
    frames,
    states: Float32Array.from(states),
    actions: Float32Array.from(actions),
    environmentStates: Float32Array.from(environment),
    done,
    attempts: accepted.attempts,
  };
}

/** The names of a Demonstration's environment state values for a block set (LeRobot feature names). */
export function environmentStateNames(blocks: BlockSet): string[] {
  return [
    'effector_x',
    'effector_y',
    ...blockSet(blocks).flatMap((k) => [
      `${k.color}_${k.shape}_x`,
      `${k.color}_${k.shape}_y`,
      `${k.color}_${k.shape}_angle`,
    ]),
  ];
}
