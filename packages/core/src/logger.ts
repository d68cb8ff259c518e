/** Where stages and tools report what a user should know. Bound in the DI container. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

/** Writes to stderr, so stdout stays clean for `--json` output. */
export const stderrLogger: Logger = {
  info: (m) => process.stderr.write(`${m}\n`),
  warn: (m) => process.stderr.write(`warning: ${m}\n`),
  debug: (m) => {
    if (process.env['VLAKIT_DEBUG']) process.stderr.write(`debug: ${m}\n`);
  },
};

/** Collects messages in memory; for tests and embedding. */
export function memoryLogger(): Logger & { messages: string[] } {
  const messages: string[] = [];
  return {
    messages,
    info: (m) => messages.push(`info: ${m}`),
    warn: (m) => messages.push(`warn: ${m}`),
    debug: (m) => messages.push(`debug: ${m}`),
  };
}
