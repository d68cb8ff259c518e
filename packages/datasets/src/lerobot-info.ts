import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, quote, VlakitError } from '@vlakit/core';
import { z } from 'zod';
import { datasetError } from './dataset-error.js';

/** The only LeRobot layout this reader understands. */
export const LEROBOT_CODEBASE_VERSION = 'v3.0';

/** One feature of `meta/info.json`: dtype (float32, int64, bool, image, video, string...), shape. */
export const lerobotFeatureSchema = z.looseObject({
  dtype: z.string().min(1),
  shape: z.array(z.number().int().nonnegative()),
  names: z.unknown().optional(),
  info: z.unknown().optional(),
});
export type LeRobotFeature = z.output<typeof lerobotFeatureSchema>;

/** `meta/info.json` of a LeRobot v3.0 dataset (fields this reader uses; others are kept). */
export const lerobotInfoSchema = z.looseObject({
  codebase_version: z.string(),
  fps: z.number().positive(),
  robot_type: z.string().nullable().optional(),
  total_episodes: z.number().int().nonnegative(),
  total_frames: z.number().int().nonnegative(),
  total_tasks: z.number().int().nonnegative().optional(),
  chunks_size: z.number().int().positive().optional(),
  /** e.g. `data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet` */
  data_path: z.string().includes('{chunk_index').includes('{file_index'),
  /** e.g. `videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4`; null without videos */
  video_path: z.string().nullable().optional(),
  features: z.record(z.string(), lerobotFeatureSchema),
});
export type LeRobotInfo = z.output<typeof lerobotInfoSchema>;

/** Reads and validates `meta/info.json`; errors name the file and the field. */
export function readLeRobotInfo(dir: string): LeRobotInfo {
  const path = join(dir, 'meta', 'info.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw datasetError(
      `${path} is missing or unreadable (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}); a LeRobot v3.0 dataset has meta/info.json`,
      { path },
      { cause },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw datasetError(`${path} is not valid JSON: ${(cause as Error).message}`, { path }, { cause });
  }
  const version = (raw as { codebase_version?: unknown } | null)?.codebase_version;
  if (typeof raw === 'object' && raw !== null && version !== LEROBOT_CODEBASE_VERSION) {
    throw datasetError(
      `${path}: codebase_version ${quote(version)} is not supported (expected ${quote(LEROBOT_CODEBASE_VERSION)}; convert older datasets with LeRobot's convert_dataset_v21_to_v30 script)`,
      { path, codebase_version: version },
    );
  }
  let info: LeRobotInfo;
  try {
    info = parseConfig(lerobotInfoSchema, raw, path);
  } catch (cause) {
    if (VlakitError.isInstance(cause)) {
      throw datasetError(cause.message, { path, ...cause.details }, { cause });
    }
    throw cause;
  }
  if (info.video_path != null) {
    for (const key of ['{video_key', '{chunk_index', '{file_index']) {
      if (!info.video_path.includes(key)) {
        throw datasetError(`${path}.video_path (${quote(info.video_path)}): must contain ${key}}`, { path });
      }
    }
  }
  return info;
}

/** Number of scalars in one frame of a feature (the product of its shape; [] counts as 1). */
export function featureSize(feature: LeRobotFeature): number {
  return feature.shape.reduce((a, b) => a * b, 1);
}
