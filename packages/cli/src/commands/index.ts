import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { registerExpert } from './expert.js';
import { registerExport } from './export.js';
import { registerGenerate } from './generate.js';
import { registerInfer } from './infer.js';
import { registerPlugins } from './plugins.js';

/** Every subcommand of `vla`; each lives in its own file and registers itself here. */
export const commandRegistrations: ReadonlyArray<(program: Command, io: CliIo) => void> = [
  registerPlugins,
  registerExport,
  registerInfer,
  registerGenerate,
  registerExpert,
];
