import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { examplesDir } from './example-registry.js';

const root = join(examplesDir, '..', '..');

/** `pnpm pack` a workspace package and read the package.json and file list of its tarball. */
function pack(dir: string): { manifest: Record<string, any>; files: string[] } {
  const out = mkdtempSync(join(tmpdir(), 'vlakit-pack-'));
  execFileSync('npx', ['-y', 'pnpm@12.4.2', 'pack', '--pack-destination', out], { cwd: dir, stdio: 'pipe' });
  const tarball = readdirSync(out).find((f) => f.endsWith('.tgz'))!;
  execFileSync('tar', ['xzf', tarball], { cwd: out });
  const files = execFileSync('tar', ['tzf', tarball], { cwd: out, encoding: 'utf8' }).trim().split('\n');
  return { manifest: JSON.parse(readFileSync(join(out, 'package', 'package.json'), 'utf8')), files };
}

describe('published plugin packages', () => {
  const built = existsSync(join(root, 'packages', 'encoder-vit', 'dist', 'index.js'));

  it.skipIf(!built)('pnpm pack resolves the core peer range and ships dist with types', () => {
    const coreVersion = JSON.parse(
      readFileSync(join(root, 'packages', 'core', 'package.json'), 'utf8'),
    ).version;
    for (const dir of [
      join(root, 'packages', 'encoder-vit'),
      join(root, 'apps', 'vlakit-encoder-patchpool'),
    ]) {
      const { manifest, files } = pack(dir);
      expect(manifest.peerDependencies['@vlakit/core']).toBe(`^${coreVersion}`);
      expect(JSON.stringify(manifest)).not.toContain('workspace:');
      expect(manifest.exports['.'].types).toBe('./dist/index.d.ts');
      expect(manifest.exports['.'].default).toBe('./dist/index.js');
      expect(manifest.types).toBe('./dist/index.d.ts');
      expect(manifest.keywords).toContain('vlakit-plugin');
      expect(files).toContain('package/dist/index.js');
      expect(files).toContain('package/dist/index.d.ts');
      expect(files.some((f) => f.endsWith('.test.ts'))).toBe(false);
    }
  });
});
