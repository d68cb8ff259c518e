#!/usr/bin/env node
// `pnpm bench imitation [--json] [--episodes-per-family N] [--runs LIST] [--eval-episodes N] [--expert scripted|reactive] [--execute N | --ensemble M] [--action-noise M]
//                       [--dagger R [--dagger-episodes N] [--dagger-steps S]] [--dump DIR]`
// What behaviour cloning of the scripted expert can reach with perfect perception: an MLP that sees
// the true world state (bench/imitation_policy.py, PyTorch) is trained on the expert's 8-step action
// chunks (the same demonstrations `vla demo` trains on: BLOCK_4, 64x64 resets, generation seeds) and
// evaluated closed-loop in the simulator on the evaluation seeds (receding horizon, 4 of 8 actions,
// 200 steps), so the success a vision-language policy could reach at a sample budget is measured,
// not guessed. --runs: comma-separated FEATURES@STEPSxBATCH, FEATURES = relative (task geometry
// given: block - effector, goal - block) or positions (positions and identities only); default
// positions@3000x32,relative@3000x32,relative@6000x128 (3000x32 is the demo's budget).
// --execute N: actions executed per predicted chunk of 8 (default 4, as `vla eval`).
// --ensemble M: query every step and execute the temporal ensemble of the chunks covering it
// (ACT: weights exp(-M i), i = 0 the oldest chunk) instead of --execute.
// --expert reactive: clone the memoryless ReactiveExpert instead of the ScriptedExpert (default).
// --action-noise M: the executed action gets uniform noise of +-M metres per axis while the expert's
// clean action is recorded (DART-style demonstrations that show recoveries); default 0.
// --dagger R: R rounds of DAgger after the first fit: the policy drives --dagger-episodes fresh
// generation resets per family (default 100, seeds past the demonstrations') for at most
// --dagger-steps steps (default 120), the expert (--expert's class) labels every visited state, the
// rows are appended and the model is trained again with the same budget.
// --dump DIR: write the demonstrations (rows.f32, frames.u8 = 64x64 RGB frames, instructions.json)
// to DIR and stop, for bench/pixel_policy_replica.py (a PyTorch replica of the demo pipeline).
// `--json`: the last line is {"runs": [{"features", "steps", "batch", "samples", "val_mse",
// "val_first_mse", "pc_success", "families": {...}}], "episodes": n}.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchArgs, benchFail } from './lib/bench-args.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sim = await import(pathToFileURL(join(root, 'packages', 'sim-tabletop', 'dist', 'index.js')).href);
const python = process.env.VLAKIT_PYTHON ?? '/usr/bin/python3';
const script = join(root, 'bench', 'imitation_policy.py');

const args = benchArgs(
  'imitation',
  {
    json: { type: 'boolean' },
    'episodes-per-family': { type: 'int', default: 400 },
    runs: { type: 'string', default: 'positions@3000x32,relative@3000x32,relative@6000x128' },
    'eval-episodes': { type: 'int', default: 50 },
    'action-noise': { type: 'number', default: 0, min: 0, max: 0.05 },
    expert: { type: 'choice', default: 'scripted', choices: ['scripted', 'reactive'] },
    execute: { type: 'int', default: 4, max: 8 },
    ensemble: { type: 'number', default: undefined, min: 0 },
    dump: { type: 'string', default: undefined },
    dagger: { type: 'int', default: 0, min: 0, max: 20 },
    'dagger-episodes': { type: 'int', default: 100 },
    'dagger-steps': { type: 'int', default: 120 },
  },
  '[--json] [--episodes-per-family N] [--runs LIST] [--eval-episodes N] [--expert scripted|reactive] [--execute N | --ensemble M] [--action-noise M] [--dagger R [--dagger-episodes N] [--dagger-steps S]] [--dump DIR]',
);
const fail = (message) => benchFail('imitation', message);
const json = args.json;
const dumpDir = args.dump;
const perFamily = args['episodes-per-family'];
const evalPerFamily = args['eval-episodes'];
const actionNoise = args['action-noise'];
const execute = args.execute;
const ensemble = args.ensemble;
const EXPERTS = { scripted: sim.ScriptedExpert, reactive: sim.ReactiveExpert };
const Expert = EXPERTS[args.expert];
const runs = args.runs.split(',').map((spec) => {
  const m = /^(relative|positions)@(\d+)x(\d+)$/.exec(spec.trim());
  if (m === null) fail(`--runs entry "${spec}" must look like relative@3000x32 (FEATURES@STEPSxBATCH)`);
  return { features: m[1], steps: Number(m[2]), batch: Number(m[3]) };
});
const log = (line) => (json ? process.stderr : process.stdout).write(`${line}\n`);

/** Expert rollouts as float32 rows (bench/imitation_policy.py COLUMNS), same resets as `vla generate`. */
function demonstrations(frames) {
  const rows = [];
  const instructions = [];
  let episode = 0;
  sim.FAMILIES.forEach((family, f) => {
    for (let i = 0; i < perFamily; i++) {
      const { reset } = sim.acceptedReset(family, 4, sim.episodeSeed(0, 'generate', family, i));
      const size = frames === undefined ? 8 : 64;
      const env = new sim.TabletopEnv(reset, { imageWidth: size, imageHeight: size });
      const expert = new Expert(reset);
      instructions.push(reset.instruction);
      const rng = new sim.SeededRng(sim.childSeed(i, `noise/${family}`));
      let after = -1;
      while (after >= 0 ? after < sim.STEPS_AFTER_SUCCESS - 1 : env.steps < sim.DEFAULT_MAX_STEPS) {
        const s = env.state();
        frames?.push(env.render());
        const a = expert.act(s);
        const noisy = actionNoise > 0 && after < 0;
        const executed = noisy
          ? [a[0] + rng.range(-actionNoise, actionNoise), a[1] + rng.range(-actionNoise, actionNoise)]
          : a;
        const solved = env.step(executed) || after >= 0;
        if (solved) after++;
        rows.push(episode, ...stateRow(f, reset.task, s), a[0], a[1], solved ? 1 : 0);
      }
      episode++;
    }
  });
  return { rows: Float32Array.from(rows), instructions };
}

/** family, step (unused), block, target, goal, effector, blocks: COLUMNS 1-16 (0 is the episode). */
function stateRow(f, task, s) {
  const goal = task.goal ?? task.targetStart ?? [0, 0];
  return [
    f,
    0,
    task.block,
    task.target ?? -1,
    goal[0],
    goal[1],
    s.effector[0],
    s.effector[1],
    ...s.blocks.flatMap((b) => [b.x, b.y]),
  ];
}

/** `n` accepted BLOCK_4 resets per family (seeds `episodeSeed(seed, purpose, family, first + i)`), each with an 8x8 env. */
function tabletopEpisodes(n, seed, purpose, first = 0) {
  return sim.FAMILIES.flatMap((family, f) =>
    Array.from({ length: n }, (_, i) => {
      const { reset } = sim.acceptedReset(family, 4, sim.episodeSeed(seed, purpose, family, first + i));
      return { f, reset, env: new sim.TabletopEnv(reset, { imageWidth: 8, imageHeight: 8 }) };
    }),
  );
}

function runPython(args, { stdin = false } = {}) {
  const child = spawn(python, [script, ...args], { stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'inherit'] });
  child.on('error', (e) =>
    fail(`${python} did not start (${e.message}); apt-get install -y python3-torch python3-numpy`),
  );
  return child;
}

async function trainModel(rowsPath, modelPath, run) {
  const child = runPython([
    'train',
    rowsPath,
    modelPath,
    '--features',
    run.features,
    '--steps',
    `${run.steps}`,
    '--batch',
    `${run.batch}`,
  ]);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const code = await new Promise((r) => child.on('close', r));
  if (code !== 0) fail(`training ${run.features}@${run.steps}x${run.batch} exited with ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1));
}

/** Closed-loop success on the evaluation seeds, all episodes in lockstep, one batch per query. */
async function evaluate(modelPath) {
  const child = runPython(['serve', modelPath], { stdin: true });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const episodes = tabletopEpisodes(evalPerFamily, 1000, 'evaluate').map((e) => ({
    ...e,
    queue: [],
    solved: false,
  }));
  for (let step = 0; step < sim.DEFAULT_MAX_STEPS; step++) {
    const asking = episodes.filter((e) => !e.solved && (ensemble !== undefined || e.queue.length === 0));
    if (asking.length > 0) {
      child.stdin.write(
        `${JSON.stringify(asking.map((e) => [0, ...stateRow(e.f, e.reset.task, e.env.state())]))}\n`,
      );
      const chunks = JSON.parse((await lines.next()).value);
      asking.forEach((e, j) => {
        if (ensemble === undefined) {
          e.queue = chunks[j].slice(0, execute);
          return;
        }
        // temporal ensembling (ACT): every chunk still covering this step votes, older ones weigh more
        e.past = [
          ...(e.past ?? []).filter((p) => step - p.at < chunks[j].length),
          { at: step, chunk: chunks[j] },
        ];
        let w = 0;
        const a = [0, 0];
        e.past.forEach((p, i) => {
          const wi = Math.exp(-ensemble * i);
          const act = p.chunk[step - p.at];
          a[0] += wi * act[0];
          a[1] += wi * act[1];
          w += wi;
        });
        e.queue = [[a[0] / w, a[1] / w]];
      });
    }
    for (const e of episodes) if (!e.solved && e.env.step(e.queue.shift())) e.solved = true;
  }
  child.stdin.end();
  const pct = (es) => Math.round((1000 * es.filter((e) => e.solved).length) / es.length) / 10;
  const families = Object.fromEntries(
    sim.FAMILIES.map((name, f) => [name, pct(episodes.filter((e) => e.f === f))]),
  );
  return { pc_success: pct(episodes), families };
}

/**
 * DAgger: the policy drives --dagger-episodes fresh generation resets per family (seeds past the
 * demonstrations' and earlier rounds'), and the expert labels every state it visits; returns the
 * new rows (bench/imitation_policy.py COLUMNS), episodes numbered from `firstEpisode`.
 */
async function daggerRows(modelPath, round, firstEpisode) {
  const n = args['dagger-episodes'];
  const child = runPython(['serve', modelPath], { stdin: true });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const episodes = tabletopEpisodes(n, 0, 'generate', perFamily + round * n).map((e, k) => ({
    ...e,
    episode: firstEpisode + k,
    expert: new Expert(e.reset),
    rows: [],
    after: -1,
    done: false,
  }));
  for (let step = 0; step < args['dagger-steps']; step++) {
    const live = episodes.filter((e) => !e.done);
    if (live.length === 0) break;
    child.stdin.write(
      `${JSON.stringify(live.map((e) => [0, ...stateRow(e.f, e.reset.task, e.env.state())]))}\n`,
    );
    const chunks = JSON.parse((await lines.next()).value);
    live.forEach((e, j) => {
      const s = e.env.state();
      const label = e.expert.act(s);
      const solved = e.env.step(chunks[j][0]) || e.after >= 0;
      if (solved) e.after++;
      if (e.after >= sim.STEPS_AFTER_SUCCESS - 1) e.done = true;
      e.rows.push(e.episode, ...stateRow(e.f, e.reset.task, s), label[0], label[1], solved ? 1 : 0);
    });
  }
  child.stdin.end();
  // episodes stepped in lockstep: their rows are kept apart, then laid out one episode after another
  const rows = episodes.flatMap((e) => e.rows);
  const solved = episodes.filter((e) => e.after >= 0).length;
  log(
    `dagger round ${round + 1}: ${rows.length / 20} labelled states, policy solved ${solved}/${episodes.length}`,
  );
  return rows;
}

if (dumpDir !== undefined) {
  const frames = [];
  const { rows, instructions } = demonstrations(frames);
  mkdirSync(dumpDir, { recursive: true });
  writeFileSync(join(dumpDir, 'rows.f32'), new Uint8Array(rows.buffer));
  writeFileSync(join(dumpDir, 'frames.u8'), Buffer.concat(frames));
  writeFileSync(join(dumpDir, 'instructions.json'), JSON.stringify(instructions));
  log(`imitation: wrote ${frames.length} frames of ${instructions.length} episodes to ${dumpDir}`);
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), 'vlakit-imitation-'));
try {
  const { rows } = demonstrations();
  const rowsPath = join(dir, 'rows.f32');
  writeFileSync(rowsPath, new Uint8Array(rows.buffer));
  log(
    `imitation: ${rows.length / 20} expert frames from ${perFamily * 5} episodes (action noise ${actionNoise} m); ${evalPerFamily * 5} evaluation episodes per run`,
  );
  const results = [];
  for (const [i, run] of runs.entries()) {
    const started = Date.now();
    const modelPath = join(dir, `model-${i}.pt`);
    let all = rows;
    let episodesSoFar = perFamily * 5;
    for (let round = 0; round < args.dagger; round++) {
      await trainModel(rowsPath, modelPath, run);
      const extra = await daggerRows(modelPath, round, episodesSoFar);
      episodesSoFar += args['dagger-episodes'] * 5;
      const merged = new Float32Array(all.length + extra.length);
      merged.set(all);
      merged.set(extra, all.length);
      all = merged;
      writeFileSync(rowsPath, new Uint8Array(all.buffer));
    }
    const fit = await trainModel(rowsPath, modelPath, run);
    if (args.dagger > 0) writeFileSync(rowsPath, new Uint8Array(rows.buffer));
    const closed = await evaluate(modelPath);
    const r = { ...run, samples: run.steps * run.batch, ...fit, ...closed };
    results.push(r);
    log(
      `${run.features.padEnd(9)} ${`${run.steps}x${run.batch}`.padStart(9)} (${r.samples} samples): val MSE ${fit.val_mse.toFixed(3)} (first action ${fit.val_first_mse.toFixed(3)}), pc_success ${closed.pc_success} % ${JSON.stringify(closed.families)} [${((Date.now() - started) / 1000).toFixed(0)} s]`,
    );
  }
  if (json)
    console.log(JSON.stringify({ runs: results, episodes: perFamily * 5, action_noise: actionNoise }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
