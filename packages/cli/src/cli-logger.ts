import type { Logger } from '@vlakit/core';
import type { CliIo } from './cli-io.js';

export function cliLogger(io: CliIo): Logger {
  return {
    info: (m) => io.stderr(`${m}\n`),
    warn: (m) => io.stderr(`warning: ${m}\n`),
    debug: (m) => {
      if (process.env['VLAKIT_DEBUG']) io.stderr(`debug: ${m}\n`);
    },
  };
}
