import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
<<<<<<< HEAD
import { registerExport } from './export.js';
import { registerInfer } from './infer.js';
=======
import { registerExpert } from './expert.js';
import { registerGenerate } from './generate.js';
>>>>>>> main
import { registerPlugins } from './plugins.js';

/** Every subcommand of `vla`; each lives in its own file and registers itself here. */
export const commandRegistrations: ReadonlyArray<(program: Command, io: CliIo) => void> = [
  registerPlugins,
<<<<<<< HEAD
  registerExport,
  registerInfer,
=======
  registerGenerate,
  registerExpert,
>>>>>>> main
];
