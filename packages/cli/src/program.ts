import { VlakitError } from '@vlakit/core';
import { Command, CommanderError } from 'commander';
import { type CliIo, processIo } from './cli-io.js';
import { commandRegistrations } from './commands/index.js';

export function createProgram(io: CliIo): Command {
  const program = new Command('vla')
    .description('vlakit: train, evaluate, export and run Vision-Language-Action policies')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();
  for (const register of commandRegistrations) register(program, io);
  for (const cmd of program.commands)
    cmd.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  return program;
}

/** Runs `vla` with `argv` (without node and script); returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version exit 0; usage errors were already printed by commander
      return error.exitCode === 0 ? 0 : 2;
    }
    if (VlakitError.isInstance(error)) {
      io.stderr(`error: ${error.message}\n`);
      return 1;
    }
    io.stderr(`error: ${(error as Error)?.stack ?? String(error)}\n`);
    return 1;
  }
}
