/** Where a command writes: stdout for results (the last line is JSON under --json), stderr for the rest. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  /** True when stderr is a terminal (progress bars redraw in place). */
  readonly interactive: boolean;
}

export const processIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  cwd: process.cwd(),
  interactive: Boolean(process.stderr.isTTY),
};

/** Prints a result: human text, or one JSON object as the last line of stdout. */
export function printResult(io: CliIo, json: boolean, result: unknown, human: () => string): void {
  if (json) io.stdout(`${JSON.stringify(result)}\n`);
  else io.stdout(`${human()}\n`);
}
