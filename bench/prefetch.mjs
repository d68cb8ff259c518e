#!/usr/bin/env node
// `pnpm bench prefetch [--seconds S] [--rounds R] [--episodes-per-family N] [--json]`
// Training speed with the batch prefetch worker on and off (`data.prefetch`), side by side: R
// rounds of two `vla train` runs of the demo's experiment (S-second time budget each, no
// evaluation, the same generated demonstrations, cached in a temporary folder), the two settings
// alternating so that the machine's drift hits both. Per run: the steps that fitted and the median
// samples/s over the last two thirds of the logged steps; the summary gives the medians over the
// rounds and their ratio. `--json`: the last line is {"on": {"steps", "samples_per_s"}, "off":
// {...}, "ratio_samples_per_s", "runs": [...]}.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchArgs, benchFail } from './lib/bench-args.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'packages', 'cli', 'dist', 'bin.js');
const { DEMO_EXPERIMENT } = await import(
  pathToFileURL(join(root, 'packages', 'trainer', 'dist', 'demo-experiment.js')).href
);
const args = benchArgs(
  'prefetch',
  {
    seconds: { type: 'int', default: 30, min: 5 },
    rounds: { type: 'int', default: 3, min: 1, max: 20 },
    'episodes-per-family': { type: 'int', default: 200, min: 10 },
    json: { type: 'boolean' },
  },
  '[--seconds S] [--rounds R] [--episodes-per-family N] [--json]',
);
const log = (line) => (args.json ? process.stderr : process.stdout).write(`${line}\n`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const dir = mkdtempSync(join(tmpdir(), 'vlakit-bench-prefetch-'));
/** One `vla train` run; returns the steps that fitted and the median samples/s of its later logs. */
function trainRun(prefetch, round) {
  const name = `prefetch-${prefetch ? 'on' : 'off'}`;
  const config = {
    ...DEMO_EXPERIMENT,
    name,
    data: {
      ...DEMO_EXPERIMENT.data,
      prefetch,
      generate: { ...DEMO_EXPERIMENT.data.generate, episodesPerFamily: args['episodes-per-family'] },
    },
    training: {
      ...DEMO_EXPERIMENT.training,
      timeBudgetSeconds: args.seconds,
      validateEvery: 1_000_000,
      checkpointEvery: 1_000_000,
    },
    eval: { ...DEMO_EXPERIMENT.eval, atEnd: false },
  };
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(config));
  rmSync(join(dir, 'runs', name), { recursive: true, force: true });
  const r = spawnSync(process.execPath, [cli, 'train', '--config', `${name}.json`, '--json'], {
    cwd: dir,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0)
    benchFail('prefetch', `vla train (${name}) exited with ${r.status}: ${r.stderr.slice(-2000)}`);
  const rows = readFileSync(join(dir, 'runs', name, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const rates = rows.filter((x) => typeof x.samples_per_s === 'number').map((x) => x.samples_per_s);
  const run = {
    round,
    prefetch,
    steps: rows.at(-1).step,
    samples_per_s: Math.round(median(rates.slice(Math.floor(rates.length / 3)))),
  };
  log(
    `round ${round} prefetch ${prefetch ? 'on ' : 'off'}: ${run.steps} steps in ${args.seconds} s, ${run.samples_per_s} samples/s`,
  );
  return run;
}

try {
  log(
    `prefetch: ${args.rounds} rounds x (on, off), ${args.seconds} s of training each; the first run generates the data`,
  );
  const runs = [];
  for (let round = 1; round <= args.rounds; round++) {
    // alternate which setting goes first, so a drifting machine does not favour one
    const order = round % 2 ? [true, false] : [false, true];
    for (const prefetch of order) runs.push(trainRun(prefetch, round));
  }
  const summary = (on) => {
    const rs = runs.filter((r) => r.prefetch === on);
    return { steps: median(rs.map((r) => r.steps)), samples_per_s: median(rs.map((r) => r.samples_per_s)) };
  };
  const on = summary(true);
  const off = summary(false);
  const ratio = Math.round((100 * on.samples_per_s) / off.samples_per_s) / 100;
  log(
    `median over ${args.rounds} rounds: prefetch on ${on.samples_per_s} samples/s (${on.steps} steps), off ${off.samples_per_s} (${off.steps} steps): ratio ${ratio}`,
  );
  if (args.json) console.log(JSON.stringify({ on, off, ratio_samples_per_s: ratio, runs }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
