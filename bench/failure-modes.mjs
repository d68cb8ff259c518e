#!/usr/bin/env node
// `pnpm bench failure-modes --run DIR [--episodes N] [--checkpoint last|best] [--verbose] [--json]`
// Why a trained policy fails closed-loop: runs `vla eval`'s episodes (BLOCK_4, the evaluation
// seeds, executeSteps and maxSteps from the run's config) with --episodes per family (default 20),
// keeps every state, and sorts each failed episode by its final state:
//   never-reached-target  the effector never came within 4.5 cm of the block to move
//   target-unmoved        it reached the block but moved it less than 2 cm
//   pushed-closer         the block ended closer to its goal than it started, unsolved
//   pushed-away           the block ended farther from its goal
// with ",stalled" added when the effector travelled under 5 cm in the last 60 steps, and
// ",moved-other" when a block it never reached moved over 3 cm. --verbose prints one line per
// failure (instruction, closest approach, block travel, goal distance at start and end).
// Without --run it says so and exits 0 (`pnpm bench` runs every benchmark; this one needs a run).
// `--json`: the last line is {"benchmark": "failure-modes", "run", "episodes_per_family",
// "families": {family: {category: count}}, "failures", "stalled"}.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchArgs, benchFail } from './lib/bench-args.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const usage = '--run DIR [--episodes N] [--checkpoint last|best] [--verbose] [--json]';
const args = benchArgs(
  'failure-modes',
  {
    run: { type: 'string', default: undefined },
    episodes: { type: 'int', default: 20 },
    checkpoint: { type: 'choice', default: 'last', choices: ['last', 'best'] },
    verbose: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  usage,
);
if (args.run === undefined) {
  console.log('failure-modes: skipped (needs --run DIR, a run folder written by vla train or vla demo)');
  process.exit(0);
}
const runDir = resolve(args.run);
if (!existsSync(join(runDir, 'config.json')))
  benchFail(
    'failure-modes',
    `--run "${args.run}" is not a run folder: ${join(runDir, 'config.json')} does not exist`,
  );
const dist = (name, file = 'index.js') => pathToFileURL(join(root, 'packages', name, 'dist', file)).href;
for (const name of ['backend', 'trainer', 'sim-tabletop', 'cli'])
  if (!existsSync(join(root, 'packages', name, 'dist', 'index.js')))
    benchFail('failure-modes', `packages/${name} is not built; run pnpm install`);
const log = (line) => (args.json ? console.error(line) : console.log(line));

const { initBackend } = await import(dist('backend'));
await initBackend('auto');
const { evalOptions, loadRun, pipelineImageSize } = await import(dist('trainer'));
const sim = await import(dist('sim-tabletop'));
const { loadInstalledPlugins } = await import(dist('cli', 'plugin-catalog.js'));
const quiet = { debug() {}, info() {}, warn: (m) => console.error(m), error: (m) => console.error(m) };
const { registry } = await loadInstalledPlugins(join(root, 'apps', 'examples'), quiet);
const run = loadRun(runDir, { registry, checkpoint: args.checkpoint });
// `vla eval`'s settings from the run's config, with --episodes per family
const options = evalOptions(run.config.eval, pipelineImageSize(run.pipeline.inputs), {
  episodesPerFamily: args.episodes,
});
const traces = new Map();
const keyOf = (ep) => `${ep.family}#${ep.index}`;
let results;
try {
  results = await sim.runEpisodes(run.policy(), sim.evaluationEpisodes(options), {
    ...options,
    onStep: (ep, env) => {
      if (!traces.has(keyOf(ep))) traces.set(keyOf(ep), { task: env.reset.task, states: [] });
      traces.get(keyOf(ep)).states.push(env.state());
    },
  });
} finally {
  run.dispose();
}

const dist2 = (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1]);
const at = (b) => [b.x, b.y];
const families = {};
let failures = 0;
let stalled = 0;
for (const r of results) {
  const { task, states } = traces.get(keyOf(r));
  const first = states[0];
  const last = states.at(-1);
  const block = task.block;
  const moved = dist2(at(first.blocks[block]), at(last.blocks[block]));
  const reach = Math.min(...states.map((s) => dist2(s.effector, at(s.blocks[block]))));
  const otherMoved = first.blocks.some((b, i) => i !== block && dist2(at(b), at(last.blocks[i])) > 0.03);
  const goalStart = dist2(at(first.blocks[block]), sim.pushGoal(task, first));
  const goalEnd = dist2(at(last.blocks[block]), sim.pushGoal(task, last));
  const tail = states.slice(-60);
  const travel = tail.slice(1).reduce((sum, s, i) => sum + dist2(s.effector, tail[i].effector), 0);
  let category = 'success';
  if (!r.success) {
    failures++;
    if (reach > 0.045) category = otherMoved ? 'never-reached-target,moved-other' : 'never-reached-target';
    else if (moved < 0.02) category = 'target-unmoved';
    else category = goalEnd < goalStart ? 'pushed-closer' : 'pushed-away';
    if (travel < 0.05) {
      category += ',stalled';
      stalled++;
    }
    if (args.verbose)
      log(
        `${r.family} #${r.index} ${category}: "${r.instruction}" closest ${reach.toFixed(3)} m, block moved ${moved.toFixed(3)} m, goal ${goalStart.toFixed(3)} -> ${goalEnd.toFixed(3)} m, last-60 travel ${travel.toFixed(3)} m`,
      );
  }
  families[r.family] ??= {};
  families[r.family][category] = (families[r.family][category] ?? 0) + 1;
}
for (const [family, counts] of Object.entries(families))
  log(
    `${family.padEnd(30)} ${Object.entries(counts)
      .map(([c, n]) => `${c} ${n}`)
      .join(', ')}`,
  );
log(`${failures} failures in ${results.length} episodes, ${stalled} of them stalled`);
if (args.json)
  console.log(
    JSON.stringify({
      benchmark: 'failure-modes',
      run: runDir,
      episodes_per_family: args.episodes,
      families,
      failures,
      stalled,
    }),
  );
