/** @vlakit/sim-tabletop: browser-safe core (world, renderer, instructions, expert, evaluator). */
export * from './blocks.js';
export * from './episodes.js';
export * from './evaluator.js';
export * from './instructions.js';
export { type BlockPose, PhysicsWorld, type WorldState } from './physics-world.js';
export { ReactiveExpert } from './reactive-expert.js';
export { EFFECTOR_RGB, Renderer, TABLE_RGB } from './renderer.js';
export { ScriptedExpert } from './scripted-expert.js';
export { childSeed, SeededRng } from './seeded-rng.js';
export { SimError } from './sim-error.js';
export * from './tabletop-env.js';
export * from './tasks.js';
export { wilsonInterval } from './wilson-interval.js';
export * from './workspace.js';
