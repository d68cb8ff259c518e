import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { quote } from '@vlakit/core';
import { sharedBytes } from './compressed-frames.js';
import { datasetError } from './dataset-error.js';
import {
  EpisodeDataset,
  type EpisodeRecord,
  type ImageFeature,
  type NumericFeature,
} from './episode-dataset.js';
import { decodeImage } from './image-decode.js';
import { decodeTfExample, type TfExample, type TfFeature } from './tf-example.js';
import { readTfRecordFile } from './tfrecord.js';

export interface OpenRldsOptions {
  /** Camera feature; default: the first `steps/observation/image*` feature by name. */
  imageKey?: string | null;
  /** State feature; default `steps/observation/state` when present, else none. */
  stateKey?: string | null;
  /** Action feature (default `steps/action`). */
  actionKey?: string;
  /** Instruction feature; default `steps/language_instruction`, else `steps/observation/natural_language_instruction`. */
  instructionKey?: string;
  /** RLDS stores no frame rate; this one is reported (default 10). */
  fps?: number;
  onProgress?: (event: { stage: 'read' | 'decode'; done: number; total: number }) => void;
}

/**
 * Reads RLDS episodes from TFRecord files (one `tf.train.Example` per episode, features
 * `steps/...` holding one entry per step), into the same in-memory form as the LeRobot reader.
 * Features are renamed to `observation.image`, `observation.state`, `action` and `next.done`
 * (from `steps/is_terminal`, else `steps/is_last`), so one data config serves both formats.
 */
export function openRldsDataset(path: string, options: OpenRldsOptions = {}): EpisodeDataset {
  const files = tfrecordFiles(path);
  const examples: { ex: TfExample; where: string }[] = [];
  for (const [i, f] of files.entries()) {
    readTfRecordFile(f).forEach((rec, r) => {
      const where = `${f} record ${r}`;
      examples.push({ ex: decodeTfExample(rec, where), where });
    });
    options.onProgress?.({ stage: 'read', done: i + 1, total: files.length });
  }
  if (examples.length === 0) throw datasetError(`${path}: no TFRecord episodes found`, { path });

  const first = examples[0]!.ex;
  const names = [...first.keys()].sort();
  const imageKey =
    options.imageKey === undefined
      ? (names.find((k) => k.startsWith('steps/observation/image')) ?? null)
      : options.imageKey;
  const stateKey =
    options.stateKey === undefined
      ? first.has('steps/observation/state')
        ? 'steps/observation/state'
        : null
      : options.stateKey;
  const actionKey = options.actionKey ?? 'steps/action';
  const instructionKey =
    options.instructionKey ??
    (first.has('steps/language_instruction')
      ? 'steps/language_instruction'
      : 'steps/observation/natural_language_instruction');
  const doneKey = first.has('steps/is_terminal') ? 'steps/is_terminal' : 'steps/is_last';

  const episodes: EpisodeRecord[] = [];
  const tasks: string[] = [];
  const taskIndex = new Map<string, number>();
  const taskOf: number[] = [];
  const state: number[] = [];
  const action: number[] = [];
  const done: number[] = [];
  const pixels: Uint8Array[] = [];
  let stateDim = -1;
  let actionDim = -1;
  let height = -1;
  let width = -1;
  for (const [e, { ex, where }] of examples.entries()) {
    const get = (key: string, kind: TfFeature['kind']): TfFeature => {
      const f = ex.get(key);
      if (!f)
        throw datasetError(
          `${where}: no feature ${quote(key)}; features: ${[...ex.keys()].sort().join(', ')}`,
          { key },
        );
      if (f.kind !== kind && f.value.length > 0) {
        throw datasetError(
          `${where}: feature ${quote(key)} is a ${f.kind} list, expected ${kind}`,
          { key },
          { kind: 'shape' },
        );
      }
      return f;
    };
    const steps = (ex.get('steps/is_first') ?? ex.get('steps/is_last'))?.value.length;
    if (steps === undefined)
      throw datasetError(
        `${where}: no steps/is_first or steps/is_last feature, so the step count is unknown`,
      );
    const widthOf = (key: string, f: TfFeature, expected: number): number => {
      const dim = f.value.length / steps;
      if (!Number.isInteger(dim) || (expected >= 0 && dim !== expected)) {
        throw datasetError(
          `${where}: feature ${quote(key)} has ${f.value.length} values for ${steps} steps${expected >= 0 ? `, expected ${expected} per step` : ''}`,
          { key },
          { kind: 'shape' },
        );
      }
      return dim;
    };
    const a = get(actionKey, 'float');
    actionDim = widthOf(actionKey, a, actionDim);
    for (const x of a.value as Float32Array) action.push(x);
    if (stateKey !== null) {
      const s = get(stateKey, 'float');
      stateDim = widthOf(stateKey, s, stateDim);
      for (const x of s.value as Float32Array) state.push(x);
    }
    const d = ex.get(doneKey);
    for (let t = 0; t < steps; t++) done.push(d ? Number(d.value[t] ?? 0) : t === steps - 1 ? 1 : 0);
    const instr = ex.get(instructionKey);
    const text = instr?.kind === 'bytes' && instr.value[0] ? new TextDecoder().decode(instr.value[0]) : '';
    if (!taskIndex.has(text)) {
      taskIndex.set(text, tasks.length);
      tasks.push(text);
    }
    for (let t = 0; t < steps; t++) taskOf.push(taskIndex.get(text)!);
    if (imageKey !== null) {
      const im = get(imageKey, 'bytes');
      if (im.value.length !== steps) {
        throw datasetError(
          `${where}: feature ${quote(imageKey)} has ${im.value.length} images for ${steps} steps`,
          { key: imageKey },
          { kind: 'shape' },
        );
      }
      (im.value as Uint8Array[]).forEach((bytes, t) => {
        const img = decodeImage(bytes, `${where}: ${imageKey} step ${t}`);
        if (height < 0) [height, width] = [img.height, img.width];
        if (img.height !== height || img.width !== width) {
          throw datasetError(
            `${where}: ${imageKey} step ${t} is ${img.height}x${img.width}, expected ${height}x${width} like the first image`,
            {},
            { kind: 'shape' },
          );
        }
        pixels.push(img.data);
      });
      options.onProgress?.({ stage: 'decode', done: e + 1, total: examples.length });
    }
    episodes.push({ episodeIndex: e, start: taskOf.length - steps, length: steps, task: text });
  }
  const n = taskOf.length;
  const numeric: Record<string, NumericFeature> = {
    action: { key: 'action', shape: [actionDim], dim: actionDim, data: Float32Array.from(action) },
    'next.done': { key: 'next.done', shape: [1], dim: 1, data: Float32Array.from(done) },
  };
  if (stateKey !== null) {
    numeric['observation.state'] = {
      key: 'observation.state',
      shape: [stateDim],
      dim: stateDim,
      data: Float32Array.from(state),
    };
  }
  const images: Record<string, ImageFeature> = {};
  if (imageKey !== null) {
    const data = sharedBytes(n * height * width * 3); // (N, H, W, 3), shared with the prefetch worker
    pixels.forEach((p, i) => data.set(p, i * height * width * 3));
    images['observation.image'] = { key: 'observation.image', height, width, data };
  }
  return new EpisodeDataset({
    source: path,
    fps: options.fps ?? 10,
    episodes,
    numeric,
    images,
    taskOfFrame: Int32Array.from(taskOf),
    tasks,
  });
}

function tfrecordFiles(path: string): string[] {
  if (!existsSync(path))
    throw datasetError(
      `RLDS path ${quote(path)} does not exist (expected a .tfrecord file or a folder of them)`,
      { path },
    );
  if (!statSync(path).isDirectory()) return [path];
  const files = readdirSync(path)
    .filter((f) => f.includes('.tfrecord'))
    .sort()
    .map((f) => join(path, f));
  if (files.length === 0) throw datasetError(`RLDS folder ${quote(path)} has no *.tfrecord* files`, { path });
  return files;
}
