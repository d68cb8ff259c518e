import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCaptured } from './test-run.js';

const run = runCaptured;

/** A project folder with one third-party plugin installed, as `npm install vlakit-encoder-x` leaves it. */
function projectWithPlugin(): string {
  const require = createRequire(import.meta.url);
  const root = mkdtempSync(join(tmpdir(), 'vla-cli-'));
  const dir = join(root, 'node_modules', 'vlakit-encoder-x');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'vlakit-encoder-x',
      version: '2.0.1',
      type: 'module',
      main: 'index.js',
      keywords: ['vlakit-plugin'],
    }),
  );
  const inversify = pathToFileURL(
    require.resolve('inversify', { paths: [require.resolve('@vlakit/core')] }),
  ).href;
  writeFileSync(
    join(dir, 'index.js'),
    `import { ContainerModule } from '${inversify}';
export const manifest = { id: 'x-vision', kind: 'VisionEncoder', packageName: 'vlakit-encoder-x', version: '2.0.1', description: 'x', configSchema: {}, specificationVersion: 'v1' };
export const containerModule = new ContainerModule(({ bind }) => bind(Symbol.for('@vlakit/core/VisionEncoder')).toConstantValue({ manifest, create() { throw new Error('unused'); } }));
`,
  );
  const broken = join(root, 'node_modules', 'vlakit-encoder-broken');
  mkdirSync(broken, { recursive: true });
  writeFileSync(
    join(broken, 'package.json'),
    JSON.stringify({
      name: 'vlakit-encoder-broken',
      version: '0.0.1',
      type: 'module',
      main: 'index.js',
      keywords: ['vlakit-plugin'],
    }),
  );
  writeFileSync(join(broken, 'index.js'), 'export const nothing = 1;\n');
  return root;
}

describe('vla', () => {
  it('--help lists the subcommands, every subcommand has --help', async () => {
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('plugins');
    const sub = await run(['plugins', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('--json');
  });

  it('plugins --json lists an installed third-party plugin and reports broken ones', async () => {
    const root = projectWithPlugin();
    const r = await run(['plugins', '--json'], root);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.lastLine);
    expect(out.plugins).toContainEqual({
      id: 'x-vision',
      kind: 'VisionEncoder',
      package: 'vlakit-encoder-x',
      version: '2.0.1',
      description: 'x',
    });
    expect(out.failed).toEqual([
      { package: 'vlakit-encoder-broken', error: expect.stringContaining('is not a vlakit plugin') },
    ]);
    const human = await run(['plugins'], root);
    expect(human.stdout).toMatch(/x-vision\s+VisionEncoder\s+vlakit-encoder-x\s+2\.0\.1/);
  });

  it('unknown commands and flags exit non-zero saying what is wrong', async () => {
    const flag = await run(['plugins', '--bogus']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("unknown option '--bogus'");
    const cmd = await run(['fly']);
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toContain("unknown command 'fly'");
  });
});
