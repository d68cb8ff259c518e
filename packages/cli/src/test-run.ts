import type { CliIo } from './cli-io.js';
import { runCli } from './program.js';

/** Runs `vla` in-process with captured output, for tests. */
export async function runCaptured(argv: string[], cwd: string = process.cwd()) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    cwd,
    interactive: false,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr, lastLine: stdout.trimEnd().split('\n').at(-1) ?? '' };
}
