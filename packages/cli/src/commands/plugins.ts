import type { Command } from 'commander';
import { type CliIo, printResult } from '../cli-io.js';
import { cliLogger } from '../cli-logger.js';
import { loadInstalledPlugins } from '../plugin-catalog.js';

export function registerPlugins(program: Command, io: CliIo): void {
  program
    .command('plugins')
    .description('list the installed stage plugins (id, kind, package, version)')
    .option('--json', 'print one JSON object as the last line of stdout')
    .action(async (opts: { json?: boolean }) => {
      const { catalog } = await loadInstalledPlugins(io.cwd, cliLogger(io));
      printResult(io, Boolean(opts.json), catalog, () => {
        if (catalog.plugins.length === 0) return 'no stage plugins installed';
        const rows = [
          ['id', 'kind', 'package', 'version'],
          ...catalog.plugins.map((p) => [p.id, p.kind, p.package, p.version]),
        ];
        const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
        const lines = rows.map((r) =>
          r
            .map((c, i) => c.padEnd(widths[i]!))
            .join('  ')
            .trimEnd(),
        );
        for (const f of catalog.failed) lines.push(`(failed to load ${f.package}: ${f.error})`);
        return lines.join('\n');
      });
    });
}
