import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { quote, VlakitError } from './errors.js';

/**
 * Writes a file atomically: into a temporary sibling, then renamed over the target, so a
 * reader never sees a half-written file and a crash leaves the old file intact.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}-${Date.now().toString(36)}`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (cause) {
    rmSync(tmp, { force: true });
    throw new VlakitError('io', `cannot write ${quote(path)}: ${(cause as Error).message}`, { cause });
  }
}
