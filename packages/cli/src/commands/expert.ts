import {
  type BlockSet,
  type EpisodeResult,
  FAMILIES,
  type Family,
  summarizeEpisodes,
} from '@vlakit/sim-tabletop';
import { defaultWorkers, runJobs } from '@vlakit/sim-tabletop/node';
import type { Command } from 'commander';
import { type CliIo, printResult } from '../cli-io.js';
import { commaList, nonNegativeInt, positiveInt } from '../option-parsers.js';
import { blocksOption, imageSize, progressBar } from './generate.js';

interface ExpertOptions {
  episodes: number;
  families?: Family[];
  blocks: BlockSet;
  seed: number;
  imageSize: number;
  maxSteps: number;
  workers: number;
  json?: boolean;
}

export function registerExpert(program: Command, io: CliIo): void {
  program
    .command('expert')
    .description(
      'evaluate the scripted expert closed-loop; reports pc_success and the share of sampled resets it solves',
    )
    .option('--episodes <n>', 'episodes per family', positiveInt, 50)
    .option(
      '--families <list>',
      `comma-separated task families (default: all) from ${FAMILIES.join(', ')}`,
      commaList(FAMILIES),
    )
    .option('--blocks <n>', 'block set: 4 (BLOCK_4) or 8 (BLOCK_8)', blocksOption, 4 as BlockSet)
    .option('--seed <n>', 'evaluation seed', nonNegativeInt, 0)
    .option('--image-size <px>', 'square image size in pixels', imageSize, 64)
    .option('--max-steps <n>', 'step limit per episode', positiveInt, 200)
    .option(
      '--workers <n>',
      'worker threads (default: all cores); results do not depend on it',
      positiveInt,
      defaultWorkers(),
    )
    .option('--json', 'print one JSON object as the last line of stdout')
    .action(async (opts: ExpertOptions) => {
      const started = Date.now();
      const families = opts.families ?? [...FAMILIES];
      const jobs = families.flatMap((family) =>
        Array.from({ length: opts.episodes }, (_, index) => ({ kind: 'expert' as const, family, index })),
      );
      const bar = progressBar(io, 'expert', jobs.length);
      let done = 0;
      const results = await runJobs(
        jobs,
        {
          blocks: opts.blocks,
          seed: opts.seed,
          imageWidth: opts.imageSize,
          imageHeight: opts.imageSize,
          maxSteps: opts.maxSteps,
        },
        opts.workers,
        () => bar.tick(++done),
      );
      bar.stop();
      const report = summarizeEpisodes(
        results.map((r) => (r as { result: EpisodeResult }).result),
        families,
      );
      const result = {
        ...report,
        blocks: opts.blocks,
        seed: opts.seed,
        seconds: Math.round((Date.now() - started) / 100) / 10,
      };
      printResult(io, Boolean(opts.json), result, () =>
        [
          `scripted expert, BLOCK_${opts.blocks}, ${report.episodes_per_family} episodes per family: ${report.pc_success}% [${report.ci95.join(', ')}]`,
          ...Object.entries(report.families).map(
            ([f, s]) =>
              `  ${f.padEnd(30)} ${String(s.pc_success).padStart(6)}% [${s.ci95.join(', ')}]  steps ${s.mean_steps_to_success}  solves ${s.expert_solve_rate}% of sampled resets`,
          ),
        ].join('\n'),
      );
    });
}
