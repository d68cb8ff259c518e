import { join } from 'node:path';
import { writeLeRobotDataset } from '@vlakit/datasets';
import {
  type EvaluateOptions,
  environmentStateNames,
  evaluatePolicy,
  FAMILIES,
  type Family,
} from '@vlakit/sim-tabletop';
import { defaultWorkers, type GeneratedEpisode, runJobs, writeFilmstripPng } from '@vlakit/sim-tabletop/node';
import type { EvaluatePolicyFn, GenerateDatasetFn } from '@vlakit/trainer';

/** The simulator functions `vla train`, `vla eval` and `vla demo` use (from @vlakit/sim-tabletop). */
export interface TabletopFunctions {
  readonly evaluatePolicy: EvaluatePolicyFn;
  readonly generate: GenerateDatasetFn;
}

/** Scripted-expert demonstrations of every family into a LeRobot v3 folder, as `vla generate` writes them. */
export const generateTabletop: GenerateDatasetFn = async (o) => {
  const jobs = FAMILIES.flatMap((family) =>
    Array.from({ length: o.episodesPerFamily }, (_, index) => ({ kind: 'generate' as const, family, index })),
  );
  let done = 0;
  const results = await runJobs(
    jobs,
    {
      blocks: o.blocks,
      seed: o.seed,
      imageWidth: o.imageSize,
      imageHeight: o.imageSize,
      maxSteps: o.maxSteps,
    },
    defaultWorkers(),
    () => o.onProgress?.(++done, jobs.length),
  );
  const episodes = results.map((r) => (r as { episode: GeneratedEpisode }).episode);
  writeLeRobotDataset(o.dir, episodes, {
    imageShape: [o.imageSize, o.imageSize, 3],
    environmentStateNames: environmentStateNames(o.blocks),
    vlakit: {
      families: [...FAMILIES],
      blocks: o.blocks,
      seed: o.seed,
      image_size: [o.imageSize, o.imageSize],
      max_steps: o.maxSteps,
      generator: '@vlakit/sim-tabletop scripted expert',
    },
  });
};

export async function tabletopFunctions(): Promise<TabletopFunctions> {
  return {
    generate: generateTabletop,
    evaluatePolicy: (policy, options) =>
      evaluatePolicy(policy, {
        ...options,
        ...(options.families ? { families: options.families as Family[] } : {}),
        ...(options.blocks !== undefined ? { blocks: options.blocks as 4 | 8 } : {}),
      } as EvaluateOptions),
  };
}

/**
 * Wraps an evaluator so that its first call keeps the frames of each family's first episode;
 * `write(dir)` then saves them as filmstrips report/rollout-<family>.png.
 */
export function recordRollouts(evaluate: EvaluatePolicyFn): {
  evaluatePolicy: EvaluatePolicyFn;
  write: (runDir: string) => string[];
} {
  const frames = new Map<string, Uint8Array[]>();
  let size = 64;
  let recorded = false;
  return {
    evaluatePolicy: (policy, options) => {
      if (recorded) return evaluate(policy, options);
      recorded = true;
      size = options.imageSize ?? size;
      const onStep = (ep: { family: string; index: number }, env: { render(): Uint8Array }) => {
        if (ep.index !== 0) return;
        const list = frames.get(ep.family) ?? [];
        list.push(env.render());
        frames.set(ep.family, list);
      };
      return evaluate(policy, { ...options, onStep } as typeof options);
    },
    write: (runDir) =>
      [...frames].map(([family, list]) => {
        const path = join(runDir, 'report', `rollout-${family}.png`);
        writeFilmstripPng(path, list, size, size, { every: Math.max(1, Math.ceil(list.length / 12)) });
        return path;
      }),
  };
}
