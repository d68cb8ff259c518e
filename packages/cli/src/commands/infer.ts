import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { quote, VlakitError } from '@vlakit/core';
import { loadPolicy } from '@vlakit/runtime-onnx';
import type { Command } from 'commander';
import { decode } from 'fast-png';
import { type CliIo, printResult } from '../cli-io.js';

interface InferOptions {
  policy: string;
  image: string;
  startImage?: string;
  instruction: string;
  state?: string;
  threads: string;
  json?: boolean;
}

/** Reads a PNG as (H, W, 3) RGB bytes: alpha dropped, grey replicated, 16-bit scaled down. */
export function readPngRgb(
  path: string,
  flag = '--image',
): { data: Uint8Array; width: number; height: number } {
  if (!existsSync(path)) throw new VlakitError('io', `${flag} ${quote(path)} does not exist`);
  let png: ReturnType<typeof decode>;
  try {
    png = decode(readFileSync(path));
  } catch (error) {
    throw new VlakitError('io', `${flag} ${quote(path)} is not a readable PNG: ${(error as Error).message}`);
  }
  if (png.palette)
    throw new VlakitError('io', `${flag} ${quote(path)} is an indexed-colour PNG; save it as RGB`);
  const { width, height, channels } = png;
  const scale = png.depth === 16 ? 1 / 257 : png.depth === 8 ? 1 : 255 / (2 ** png.depth - 1);
  const out = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) {
      const src = channels >= 3 ? png.data[i * channels + c]! : png.data[i * channels]!;
      out[i * 3 + c] = Math.round(src * scale);
    }
  }
  return { data: out, width, height };
}

/** `vla infer --policy DIR --image PNG --instruction TEXT`: one action chunk from an ONNX policy bundle. */
export function registerInfer(program: Command, io: CliIo): void {
  program
    .command('infer')
    .description('run an ONNX policy bundle on one image and instruction (onnxruntime, no tfjs)')
    .requiredOption('--policy <dir>', 'policy bundle folder (made by vla export)')
    .requiredOption('--image <png>', 'RGB image of the size the policy expects')
    .option(
      '--start-image <png>',
      "the episode's first frame (policies trained with data.startFrame: policy.json image.channels 6)",
    )
    .requiredOption('--instruction <text>', 'the instruction')
    .option('--state <x,y>', 'robot state in real units, comma separated (policies with a state input)')
    .option('--threads <n>', 'onnxruntime intra-op threads (0: its default)', '0')
    .option('--json', 'print one JSON object as the last line of stdout')
    .action(async (opts: InferOptions) => {
      const image = readPngRgb(resolve(io.cwd, opts.image));
      const start = opts.startImage
        ? readPngRgb(resolve(io.cwd, opts.startImage), '--start-image')
        : undefined;
      const state = opts.state?.split(',').map((s) => {
        const v = Number(s.trim());
        if (s.trim() === '' || !Number.isFinite(v))
          throw new VlakitError('input', `--state ${quote(opts.state)} must be comma-separated numbers`);
        return v;
      });
      const threads = Number(opts.threads);
      if (!Number.isInteger(threads) || threads < 0)
        throw new VlakitError('config', `--threads ${quote(opts.threads)} must be a whole number >= 0`);
      const policy = await loadPolicy(resolve(io.cwd, opts.policy), {
        threads,
        onWarning: (m) => io.stderr(`warning: ${m}\n`),
      });
      try {
        const r = await policy.act({
          image: image.data,
          width: image.width,
          height: image.height,
          instruction: opts.instruction,
          ...(state ? { state } : {}),
          ...(start ? { startImage: start.data } : {}),
        });
        printResult(io, Boolean(opts.json), { actions: r.actions, done: r.done }, () =>
          [
            `actions (${r.actions.length} x ${r.actions[0]?.length ?? 0}, ${policy.spec.action.units}):`,
            ...r.actions.map((row, t) => `  ${t}: ${row.map((v) => v.toFixed(5)).join(', ')}`),
            `done probability: ${r.done.toFixed(4)}`,
          ].join('\n'),
        );
      } finally {
        await policy.close();
      }
    });
}
