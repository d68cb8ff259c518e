import { Circle, Edge, type Body as PlanckBody, World as PlanckWorld, Polygon, Vec2 } from 'planck';
import { type BlockKind, SHAPE_GEOMETRY } from './blocks.js';
import { CONTROL_HZ, EFFECTOR_RADIUS, X_MAX, X_MIN, Y_MAX, Y_MIN } from './workspace.js';

export interface BlockPose {
  x: number;
  y: number;
  /** Rotation about the vertical axis, radians. */
  angle: number;
}

/** Everything the task layer needs to know about the table, in metres. */
export interface WorldState {
  effector: [number, number];
  blocks: BlockPose[];
}

/**
 * planck (Box2D) works best with bodies about 1 unit across; blocks are 4 cm, so the world is
 * simulated in units of 5 cm. This keeps Box2D's fixed skin (2 * linearSlop) at 0.5 mm instead
 * of 1 cm, without touching planck's process-wide Settings.
 */
const SCALE = 20;
/**
 * Substeps per control step grow with the action so that the effector moves at most 1 cm per
 * substep (no tunnelling through a 1.5 cm thin moon tip): 4 substeps for typical 2-4 cm moves,
 * 10 at the 0.1 m maximum. A function of the action only, so still deterministic.
 */
const MIN_SUBSTEPS = 4;
const MAX_STEP_PER_SUBSTEP = 0.01;
/** Coulomb table friction: deceleration mu * g (m/s^2) and the matching angular deceleration. */
const TABLE_DECEL = 0.5 * 9.81;
const TABLE_ANGULAR_DECEL = TABLE_DECEL / 0.012;
/** Blocks stay inside the workspace: a post-step guard keeps centres this far from the walls. */
const WALL_GUARD = 0.012;

/**
 * Rigid-body pushing on a table: dynamic blocks with Coulomb table friction, a kinematic disc
 * end effector, and walls at Language-Table's workspace bounds. Bit-deterministic for the same
 * construction order and inputs.
 */
export class PhysicsWorld {
  private readonly world: PlanckWorld;
  private readonly bodies: PlanckBody[] = [];
  private readonly effector: PlanckBody;
  private effectorXY: [number, number];

  constructor(kinds: readonly BlockKind[], poses: readonly BlockPose[], effector: readonly [number, number]) {
    this.world = new PlanckWorld({ gravity: Vec2(0, 0), allowSleep: false, continuousPhysics: false });
    const walls = this.world.createBody();
    const corners = [
      [X_MIN, Y_MIN],
      [X_MAX, Y_MIN],
      [X_MAX, Y_MAX],
      [X_MIN, Y_MAX],
    ] as const;
    for (let i = 0; i < 4; i++) {
      const a = corners[i]!;
      const b = corners[(i + 1) % 4]!;
      walls.createFixture(new Edge(Vec2(a[0] * SCALE, a[1] * SCALE), Vec2(b[0] * SCALE, b[1] * SCALE)), {
        friction: 0.3,
      });
    }
    kinds.forEach((kind, i) => {
      const pose = poses[i]!;
      const body = this.world.createDynamicBody({
        position: Vec2(pose.x * SCALE, pose.y * SCALE),
        angle: pose.angle,
        allowSleep: false,
      });
      for (const piece of SHAPE_GEOMETRY[kind.shape].pieces) {
        body.createFixture(new Polygon(piece.map(([x, y]) => Vec2(x * SCALE, y * SCALE))), {
          density: 1,
          friction: 0.4,
          restitution: 0,
        });
      }
      this.bodies.push(body);
    });
    this.effectorXY = [effector[0], effector[1]];
    this.effector = this.world.createKinematicBody({
      position: Vec2(effector[0] * SCALE, effector[1] * SCALE),
      allowSleep: false,
    });
    this.effector.createFixture(new Circle(EFFECTOR_RADIUS * SCALE), { friction: 0.2 });
  }

  /** Moves the effector by (dx, dy) metres over one 10 Hz control step (caller clips). */
  step(dx: number, dy: number): void {
    const tx = Math.min(X_MAX, Math.max(X_MIN, this.effectorXY[0] + dx));
    const ty = Math.min(Y_MAX, Math.max(Y_MIN, this.effectorXY[1] + dy));
    const vx = (tx - this.effectorXY[0]) * SCALE * CONTROL_HZ;
    const vy = (ty - this.effectorXY[1]) * SCALE * CONTROL_HZ;
    this.effector.setLinearVelocity(Vec2(vx, vy));
    const move = Math.max(Math.abs(tx - this.effectorXY[0]), Math.abs(ty - this.effectorXY[1]));
    const substeps = Math.max(MIN_SUBSTEPS, Math.ceil(move / MAX_STEP_PER_SUBSTEP));
    const dt = 1 / CONTROL_HZ / substeps;
    for (let s = 0; s < substeps; s++) {
      this.world.step(dt, 8, 3);
      this.applyTableFriction(dt);
    }
    this.effector.setLinearVelocity(Vec2(0, 0));
    this.effector.setTransform(Vec2(tx * SCALE, ty * SCALE), 0);
    this.effectorXY = [tx, ty];
    this.keepInside();
  }

  private applyTableFriction(dt: number): void {
    const dv = TABLE_DECEL * SCALE * dt;
    const dw = TABLE_ANGULAR_DECEL * dt;
    for (const body of this.bodies) {
      const v = body.getLinearVelocity();
      const speed = Math.hypot(v.x, v.y);
      if (speed <= dv) body.setLinearVelocity(Vec2(0, 0));
      else body.setLinearVelocity(Vec2(v.x * (1 - dv / speed), v.y * (1 - dv / speed)));
      const w = body.getAngularVelocity();
      body.setAngularVelocity(Math.abs(w) <= dw ? 0 : w - Math.sign(w) * dw);
    }
  }

  private keepInside(): void {
    for (const body of this.bodies) {
      const p = body.getPosition();
      const x = p.x / SCALE;
      const y = p.y / SCALE;
      const cx = Math.min(X_MAX - WALL_GUARD, Math.max(X_MIN + WALL_GUARD, x));
      const cy = Math.min(Y_MAX - WALL_GUARD, Math.max(Y_MIN + WALL_GUARD, y));
      if (cx !== x || cy !== y) {
        body.setTransform(Vec2(cx * SCALE, cy * SCALE), body.getAngle());
        body.setLinearVelocity(Vec2(0, 0));
      }
    }
  }

  state(): WorldState {
    return {
      effector: [this.effectorXY[0], this.effectorXY[1]],
      blocks: this.bodies.map((b) => {
        const p = b.getPosition();
        return { x: p.x / SCALE, y: p.y / SCALE, angle: b.getAngle() };
      }),
    };
  }
}
