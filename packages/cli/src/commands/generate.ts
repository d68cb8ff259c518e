import { join, resolve } from 'node:path';
import { writeLeRobotDataset } from '@vlakit/datasets';
import {
  type BlockSet,
  environmentStateNames,
  episodeSeed,
  FAMILIES,
  type Family,
  generateDemonstration,
  MAX_IMAGE_SIZE,
} from '@vlakit/sim-tabletop';
import { defaultWorkers, type GeneratedEpisode, runJobs, writeFilmstripPng } from '@vlakit/sim-tabletop/node';
import { SingleBar } from 'cli-progress';
import { type Command, InvalidArgumentError } from 'commander';
import { type CliIo, printResult } from '../cli-io.js';
import { commaList, nonNegativeInt, oneOf, positiveInt } from '../option-parsers.js';

/** A progress bar on stderr: redrawn in place on a terminal, a line every 10 % otherwise. */
export function progressBar(
  io: CliIo,
  label: string,
  total: number,
): { tick: (done: number) => void; stop: () => void } {
  if (io.interactive) {
    const bar = new SingleBar({
      format: `${label} [{bar}] {value}/{total} episodes | {percentage}% | eta {eta}s`,
      stream: process.stderr,
      hideCursor: true,
    });
    bar.start(total, 0);
    return { tick: (done) => bar.update(done), stop: () => bar.stop() };
  }
  let shown = -1;
  return {
    tick: (done) => {
      const tenth = Math.floor((10 * done) / total);
      if (tenth !== shown) {
        shown = tenth;
        io.stderr(`${label}: ${done}/${total} episodes\n`);
      }
    },
    stop: () => {},
  };
}

export function imageSize(value: string): number {
  const n = positiveInt(value);
  if (n < 8 || n > MAX_IMAGE_SIZE)
    throw new InvalidArgumentError(`expected 8 to ${MAX_IMAGE_SIZE} pixels, got "${value}"`);
  return n;
}

export const blocksOption = (v: string): BlockSet => Number(oneOf(['4', '8'] as const)(v)) as BlockSet;

interface GenerateOptions {
  episodes: number;
  families?: Family[];
  blocks: BlockSet;
  seed: number;
  imageSize: number;
  workers: number;
  out: string;
  overwrite?: boolean;
  filmstrips?: boolean;
  json?: boolean;
}

export function registerGenerate(program: Command, io: CliIo): void {
  program
    .command('generate')
    .description(
      'generate scripted-expert demonstrations in the tabletop simulator as a LeRobot v3.0 dataset',
    )
    .requiredOption('--episodes <n>', 'number of episodes (spread evenly over the families)', positiveInt)
    .requiredOption('--out <dir>', 'output folder (written atomically)')
    .option(
      '--families <list>',
      `comma-separated task families (default: all) from ${FAMILIES.join(', ')}`,
      commaList(FAMILIES),
    )
    .option('--blocks <n>', 'block set: 4 (BLOCK_4) or 8 (BLOCK_8)', blocksOption, 4 as BlockSet)
    .option('--seed <n>', 'seed; the same seed gives identical data', nonNegativeInt, 0)
    .option('--image-size <px>', 'square image size in pixels', imageSize, 64)
    .option(
      '--workers <n>',
      'worker threads (default: all cores); results do not depend on it',
      positiveInt,
      defaultWorkers(),
    )
    .option('--overwrite', 'replace an existing dataset at --out')
    .option('--filmstrips', "also write previews/<family>.png, a filmstrip of each family's first episode")
    .option('--json', 'print one JSON object as the last line of stdout')
    .action(async (opts: GenerateOptions) => {
      const started = Date.now();
      const families = opts.families ?? [...FAMILIES];
      const out = resolve(io.cwd, opts.out);
      const jobs = Array.from({ length: opts.episodes }, (_, e) => ({
        kind: 'generate' as const,
        family: families[e % families.length]!,
        index: Math.floor(e / families.length),
      }));
      const bar = progressBar(io, 'generate', jobs.length);
      let done = 0;
      const results = await runJobs(
        jobs,
        {
          blocks: opts.blocks,
          seed: opts.seed,
          imageWidth: opts.imageSize,
          imageHeight: opts.imageSize,
          maxSteps: 200,
        },
        opts.workers,
        () => bar.tick(++done),
      );
      bar.stop();
      const episodes = results.map((r) => (r as { episode: GeneratedEpisode }).episode);
      const summary = writeLeRobotDataset(out, episodes, {
        imageShape: [opts.imageSize, opts.imageSize, 3],
        environmentStateNames: environmentStateNames(opts.blocks),
        overwrite: Boolean(opts.overwrite),
        vlakit: {
          families: families,
          blocks: opts.blocks,
          seed: opts.seed,
          image_size: [opts.imageSize, opts.imageSize],
          generator: '@vlakit/sim-tabletop scripted expert',
        },
      });
      if (opts.filmstrips) {
        for (const family of families) {
          const seed = episodeSeed(opts.seed, 'generate', family, 0);
          const demo = generateDemonstration(family, opts.blocks, seed, opts.imageSize, opts.imageSize);
          writeFilmstripPng(join(out, 'previews', `${family}.png`), demo.frames, demo.width, demo.height, {
            every: Math.max(1, Math.ceil(demo.frames.length / 12)),
          });
        }
      }
      const perFamily = Object.fromEntries(
        families.map((f) => {
          const eps = episodes.filter((e) => e.family === f);
          const attempts = eps.reduce((s, e) => s + e.attempts, 0);
          const frames = eps.reduce((s, e) => s + e.images.length, 0);
          return [
            f,
            {
              episodes: eps.length,
              mean_length: eps.length === 0 ? null : Math.round((100 * frames) / eps.length) / 100,
              expert_solve_rate: eps.length === 0 ? null : Math.round((10000 * eps.length) / attempts) / 100,
            },
          ];
        }),
      );
      const result = {
        out: summary.root,
        episodes: summary.episodes,
        frames: summary.frames,
        tasks: summary.tasks,
        families: perFamily,
        seconds: Math.round((Date.now() - started) / 100) / 10,
      };
      printResult(io, Boolean(opts.json), result, () =>
        [
          `wrote ${summary.episodes} episodes (${summary.frames} frames, ${summary.tasks} instructions) to ${summary.root} in ${result.seconds}s`,
          ...Object.entries(perFamily).map(
            ([f, s]) =>
              `  ${f.padEnd(30)} ${String(s.episodes).padStart(5)} episodes, mean length ${s.mean_length}, expert solved ${s.expert_solve_rate}% of sampled resets`,
          ),
        ].join('\n'),
      );
    });
}
