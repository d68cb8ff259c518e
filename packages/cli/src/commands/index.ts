import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { registerDemo } from './demo.js';
import { registerEval } from './eval.js';
import { registerExpert } from './expert.js';
import { registerExport } from './export.js';
import { registerGenerate } from './generate.js';
import { registerInfer } from './infer.js';
import { registerPlugins } from './plugins.js';
import { registerTrain } from './train.js';

/** Every subcommand of `vla`; each lives in its own file and registers itself here. */
export const commandRegistrations: ReadonlyArray<(program: Command, io: CliIo) => void> = [
  registerPlugins,
  registerExport,
  registerInfer,
  registerGenerate,
  registerExpert,
  registerTrain,
  registerEval,
  registerDemo,
];
