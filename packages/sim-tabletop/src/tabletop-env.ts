import { type BlockKind, blockSet } from './blocks.js';
import { PhysicsWorld, type WorldState } from './physics-world.js';
import { Renderer } from './renderer.js';
import { describeValue, SimError } from './sim-error.js';
import { type EpisodeReset, isSolved } from './tasks.js';
import { MAX_ACTION } from './workspace.js';

/** What a policy sees each step (docs/data-flow.md). */
export interface Observation {
  /** RGB uint8, row-major H*W*3. */
  image: Uint8Array;
  width: number;
  height: number;
  instruction: string;
  /** Effector x, y in metres. */
  state: Float32Array;
  /** The episode's first frame (RGB uint8, like `image`), for policies that read where things started. */
  startImage: Uint8Array;
}

export interface EnvOptions {
  /** Image width in pixels (default 64, at most 320). */
  imageWidth?: number;
  /** Image height in pixels (default 64, at most 320). */
  imageHeight?: number;
}

export const MAX_IMAGE_SIZE = 320;

export function checkImageSize(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 8 || value > MAX_IMAGE_SIZE) {
    throw new SimError(
      'config',
      `${name} (${describeValue(value)}) must be an integer from 8 to ${MAX_IMAGE_SIZE}`,
    );
  }
  return value;
}

/**
 * Checks an action: two finite numbers (delta x, delta y in metres). Anything else is an
 * error naming what arrived; values are then clipped to +-0.1 per axis like Language-Table.
 */
export function validateAction(action: unknown): [number, number] {
  const isArrayLike = Array.isArray(action) || (ArrayBuffer.isView(action) && !(action instanceof DataView));
  if (!isArrayLike) {
    throw new SimError(
      'input',
      `action must be an array or typed array of 2 numbers (delta x, delta y in metres), got ${describeValue(action)}`,
    );
  }
  const a = action as ArrayLike<unknown>;
  if (a.length !== 2) {
    throw new SimError('input', `action must have 2 values (delta x, delta y in metres), got ${a.length}`, {
      length: a.length,
    });
  }
  const out: [number, number] = [0, 0];
  for (let i = 0; i < 2; i++) {
    const v = a[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new SimError('input', `action[${i}] must be a finite number (metres), got ${describeValue(v)}`);
    }
    out[i] = Math.max(-MAX_ACTION, Math.min(MAX_ACTION, v));
  }
  return out;
}

/** One episode of the tabletop: physics, task, rendering. */
export class TabletopEnv {
  readonly reset: EpisodeReset;
  readonly kinds: readonly BlockKind[];
  readonly renderer: Renderer;
  private readonly physics: PhysicsWorld;
  private current: WorldState;
  private readonly initial: WorldState;
  private initialImage: Uint8Array | undefined;
  /** Control steps taken so far. */
  steps = 0;
  /** The step count at which the task was first solved, if it was. */
  solvedAtStep: number | undefined;

  constructor(reset: EpisodeReset, options: EnvOptions = {}) {
    this.reset = reset;
    this.kinds = blockSet(reset.blocks);
    const w = checkImageSize('imageWidth', options.imageWidth ?? 64);
    const h = checkImageSize('imageHeight', options.imageHeight ?? 64);
    this.renderer = new Renderer(w, h);
    this.physics = new PhysicsWorld(this.kinds, reset.poses, reset.effector);
    this.current = this.physics.state();
    this.initial = this.physics.state();
    if (isSolved(reset.task, this.current)) this.solvedAtStep = 0;
  }

  get instruction(): string {
    return this.reset.instruction;
  }

  get solved(): boolean {
    return this.solvedAtStep !== undefined;
  }

  /** The current world state (a copy). */
  state(): WorldState {
    return { effector: [...this.current.effector], blocks: this.current.blocks.map((b) => ({ ...b })) };
  }

  /** Applies one action (validated, clipped) and returns whether the task is solved now. */
  step(action: unknown): boolean {
    const [dx, dy] = validateAction(action);
    this.physics.step(dx, dy);
    this.current = this.physics.state();
    this.steps++;
    const solved = isSolved(this.reset.task, this.current);
    if (solved && this.solvedAtStep === undefined) this.solvedAtStep = this.steps;
    return solved;
  }

  /** Whether the task is solved in the current state. */
  isSolvedNow(): boolean {
    return isSolved(this.reset.task, this.current);
  }

  render(out?: Uint8Array): Uint8Array {
    return this.renderer.render(this.kinds, this.current, out);
  }

  /** The episode's first frame, rendered once (the same bytes on every call: do not modify them). */
  startImage(): Uint8Array {
    this.initialImage ??= this.renderer.render(this.kinds, this.initial);
    return this.initialImage;
  }

  observe(): Observation {
    return {
      image: this.render(),
      width: this.renderer.width,
      height: this.renderer.height,
      instruction: this.reset.instruction,
      state: Float32Array.from(this.current.effector),
      startImage: this.startImage(),
    };
  }
}
