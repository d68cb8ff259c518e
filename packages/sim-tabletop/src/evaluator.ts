/**
 * Closed-loop evaluation (docs/data-flow.md): E seeded episodes per family, run in lockstep so a
 * learned policy gets a batch of observations per call; action chunks are executed
 * receding-horizon (the first `executeSteps` actions of each chunk, then the policy is asked
 * again). Resets are accepted only when the scripted expert solves them, as in Language-Table.
 */
import type { BlockSet } from './blocks.js';
import { type AcceptedReset, acceptedReset, DEFAULT_MAX_STEPS, episodeSeed } from './episodes.js';
import { ScriptedExpert } from './scripted-expert.js';
import { describeValue, SimError } from './sim-error.js';
import { checkImageSize, type Observation, TabletopEnv, validateAction } from './tabletop-env.js';
import { FAMILIES, type Family } from './tasks.js';
import { wilsonInterval } from './wilson-interval.js';

/** One action chunk per observation: T*2 floats in metres, row-major (T, 2). */
export type BatchPolicy = (obs: Observation[]) => Promise<Float32Array[]> | Float32Array[];

export interface EvaluateOptions {
  /** Episodes per family (default 50). */
  episodesPerFamily?: number;
  /** Families to evaluate (default: all five). */
  families?: readonly Family[];
  /** BLOCK_4 or BLOCK_8 (default 4). */
  blocks?: BlockSet;
  /** Evaluation seed (default 0); evaluation resets never coincide with `vla generate`'s. */
  seed?: number;
  /** Step limit per episode (default 200). */
  maxSteps?: number;
  /** Actions executed from each chunk before the policy is asked again (default: the whole chunk). */
  executeSteps?: number;
  /** Square image size (default 64); `imageWidth`/`imageHeight` override it. */
  imageSize?: number;
  imageWidth?: number;
  imageHeight?: number;
  /** Episodes stepped together; the policy sees at most this many observations per call (default 50). */
  batchSize?: number;
  /** Called after each finished episode. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Called with each episode's environment after its reset (steps = 0) and after every step,
   * e.g. to keep rollout frames: `env.render()` and `writeFilmstripPng` from `./node`.
   */
  onStep?: (episode: EpisodeRef, env: TabletopEnv) => void;
  /**
   * Draws the accepted resets of the given episodes (default: in this thread). Reset acceptance
   * runs the scripted expert, so `workerResetPreparer(n, seed)` from `@vlakit/sim-tabletop/node`
   * spreads it over worker threads; the resets are identical either way.
   */
  prepareResets?: (episodes: readonly EpisodeRef[], blocks: BlockSet) => Promise<AcceptedReset[]>;
}

/** The accepted reset of an evaluation episode (a pure function of seed, family and index). */
export function evaluationReset(ep: EpisodeRef, blocks: BlockSet, seed: number): AcceptedReset {
  return acceptedReset(ep.family, blocks, episodeSeed(seed, 'evaluate', ep.family, ep.index));
}

export interface EpisodeRef {
  family: Family;
  index: number;
}

export interface EpisodeResult extends EpisodeRef {
  success: boolean;
  /** Steps until success, or the steps taken when it failed. */
  steps: number;
  /** Resets sampled until the expert solved one. */
  attempts: number;
  instruction: string;
}

export interface FamilyReport {
  pc_success: number;
  ci95: [number, number];
  mean_steps_to_success: number | null;
  episodes: number;
  /** Percentage of sampled resets the scripted expert solved before filtering. */
  expert_solve_rate: number;
}

export interface EvalReport {
  episodes_per_family: number;
  pc_success: number;
  ci95: [number, number];
  families: Record<string, FamilyReport>;
}

const PRIVILEGED = Symbol.for('@vlakit/sim-tabletop/env');

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new SimError('config', `${name} (${describeValue(value)}) must be a positive integer`);
  }
  return value;
}

interface ResolvedOptions {
  episodesPerFamily: number;
  families: Family[];
  blocks: BlockSet;
  seed: number;
  maxSteps: number;
  executeSteps: number | undefined;
  imageWidth: number;
  imageHeight: number;
  batchSize: number;
}

export function resolveEvaluateOptions(options: EvaluateOptions = {}): ResolvedOptions {
  const families = [...(options.families ?? FAMILIES)];
  for (const f of families) {
    if (!(FAMILIES as readonly string[]).includes(f)) {
      throw new SimError('config', `families: ${describeValue(f)} is not one of ${FAMILIES.join(', ')}`);
    }
  }
  if (families.length === 0)
    throw new SimError('config', `families must name at least one of ${FAMILIES.join(', ')}`);
  const blocks = options.blocks ?? 4;
  if (blocks !== 4 && blocks !== 8)
    throw new SimError('config', `blocks (${describeValue(blocks)}) must be 4 or 8`);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0)
    throw new SimError('config', `seed (${describeValue(seed)}) must be a non-negative integer`);
  const size = options.imageSize ?? 64;
  return {
    episodesPerFamily: positiveInteger('episodesPerFamily', options.episodesPerFamily ?? 50),
    families,
    blocks,
    seed,
    maxSteps: positiveInteger('maxSteps', options.maxSteps ?? DEFAULT_MAX_STEPS),
    executeSteps:
      options.executeSteps === undefined ? undefined : positiveInteger('executeSteps', options.executeSteps),
    imageWidth: checkImageSize('imageWidth', options.imageWidth ?? size),
    imageHeight: checkImageSize('imageHeight', options.imageHeight ?? size),
    batchSize: positiveInteger('batchSize', options.batchSize ?? 50),
  };
}

/** Every episode an evaluation runs, in report order. */
export function evaluationEpisodes(options: EvaluateOptions = {}): EpisodeRef[] {
  const o = resolveEvaluateOptions(options);
  return o.families.flatMap((family) =>
    Array.from({ length: o.episodesPerFamily }, (_, index) => ({ family, index })),
  );
}

function observe(env: TabletopEnv): Observation {
  const obs = env.observe();
  Object.defineProperty(obs, PRIVILEGED, { value: env, enumerable: false });
  return obs;
}

function checkChunk(chunk: unknown, i: number): Float32Array | number[] {
  const ok = Array.isArray(chunk) || (ArrayBuffer.isView(chunk) && !(chunk instanceof DataView));
  const len = ok ? (chunk as ArrayLike<number>).length : -1;
  if (!ok || len < 2 || len % 2 !== 0) {
    throw new SimError(
      'input',
      `policy output ${i} must be an action chunk of T*2 numbers (row-major (T, 2), metres), got ${describeValue(chunk)}`,
    );
  }
  return chunk as Float32Array;
}

/** Runs the given episodes closed-loop (lockstep batches) and returns one result per episode. */
export async function runEpisodes(
  policy: BatchPolicy,
  episodes: readonly EpisodeRef[],
  options: EvaluateOptions = {},
): Promise<EpisodeResult[]> {
  const o = resolveEvaluateOptions(options);
  const results: EpisodeResult[] = [];
  for (let start = 0; start < episodes.length; start += o.batchSize) {
    const group = episodes.slice(start, start + o.batchSize);
    const accepted = options.prepareResets
      ? await options.prepareResets(group, o.blocks)
      : group.map((ep) => evaluationReset(ep, o.blocks, o.seed));
    const envs = group.map((ep, k) => {
      const acc = accepted[k]!;
      return {
        ep,
        env: new TabletopEnv(acc.reset, o),
        attempts: acc.attempts,
        queue: [] as [number, number][],
      };
    });
    for (const item of envs) options.onStep?.(item.ep, item.env);
    const active = new Set(envs.map((_, i) => i));
    while (active.size > 0) {
      const needing = [...active].filter((i) => envs[i]!.queue.length === 0);
      if (needing.length > 0) {
        const obs = needing.map((i) => observe(envs[i]!.env));
        const chunks = await policy(obs);
        if (!Array.isArray(chunks) || chunks.length !== obs.length) {
          throw new SimError(
            'input',
            `policy must return one action chunk per observation: got ${describeValue(chunks)} for ${obs.length} observations`,
          );
        }
        needing.forEach((i, k) => {
          const chunk = checkChunk(chunks[k], k);
          const t = chunk.length / 2;
          const take = Math.min(t, o.executeSteps ?? t);
          for (let s = 0; s < take; s++)
            envs[i]!.queue.push(validateAction([chunk[2 * s], chunk[2 * s + 1]]));
        });
      }
      for (const i of [...active]) {
        const item = envs[i]!;
        const solved = item.env.step(item.queue.shift()!);
        options.onStep?.(item.ep, item.env);
        if (solved || item.env.steps >= o.maxSteps) {
          active.delete(i);
          results.push({
            family: item.ep.family,
            index: item.ep.index,
            success: solved,
            steps: item.env.steps,
            attempts: item.attempts,
            instruction: item.env.instruction,
          });
          options.onProgress?.(results.length, episodes.length);
        }
      }
    }
  }
  const order = new Map(episodes.map((e, i) => [`${e.family}/${e.index}`, i]));
  return results.sort((a, b) => order.get(`${a.family}/${a.index}`)! - order.get(`${b.family}/${b.index}`)!);
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Aggregates episode results into the report shape `vla eval` and `vla expert` print. */
export function summarizeEpisodes(
  results: readonly EpisodeResult[],
  families: readonly Family[],
): EvalReport {
  const report: EvalReport = { episodes_per_family: 0, pc_success: 0, ci95: [0, 0], families: {} };
  let wins = 0;
  for (const family of families) {
    const rs = results.filter((r) => r.family === family);
    const ok = rs.filter((r) => r.success);
    const attempts = rs.reduce((s, r) => s + r.attempts, 0);
    const ci = wilsonInterval(ok.length, rs.length);
    report.families[family] = {
      pc_success: round((100 * ok.length) / Math.max(1, rs.length)),
      ci95: [round(ci[0] * 100), round(ci[1] * 100)],
      mean_steps_to_success: ok.length === 0 ? null : round(ok.reduce((s, r) => s + r.steps, 0) / ok.length),
      episodes: rs.length,
      expert_solve_rate: round((100 * rs.length) / Math.max(1, attempts)),
    };
    wins += ok.length;
    report.episodes_per_family = Math.max(report.episodes_per_family, rs.length);
  }
  const ci = wilsonInterval(wins, results.length);
  report.pc_success = round((100 * wins) / Math.max(1, results.length));
  report.ci95 = [round(ci[0] * 100), round(ci[1] * 100)];
  return report;
}

/** Evaluates `policy` closed-loop and reports pc_success per family and overall. */
export async function evaluatePolicy(
  policy: BatchPolicy,
  options: EvaluateOptions = {},
): Promise<EvalReport> {
  const o = resolveEvaluateOptions(options);
  const results = await runEpisodes(policy, evaluationEpisodes(options), options);
  return summarizeEpisodes(results, o.families);
}

/**
 * The scripted expert as a BatchPolicy (one-action chunks). It reads the simulator state that
 * the evaluator attaches to each observation, so it only works on observations from this
 * package's evaluator.
 */
export function expertPolicy(): BatchPolicy {
  const experts = new WeakMap<TabletopEnv, ScriptedExpert>();
  return (obs) =>
    obs.map((o) => {
      const env = (o as unknown as Record<symbol, TabletopEnv | undefined>)[PRIVILEGED];
      if (env === undefined) {
        throw new SimError('input', 'the expert policy needs observations from the sim-tabletop evaluator');
      }
      let expert = experts.get(env);
      if (expert === undefined) {
        expert = new ScriptedExpert(env.reset);
        experts.set(env, expert);
      }
      return Float32Array.from(expert.act(env.state()));
    });
}
