import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const NODE_ONLY = /^(node:|fs$|path$|os$|worker_threads$|child_process$|fast-png$|hyparquet)/;

/** Every module reachable from index.ts, with its import specifiers. */
function reachable(entry: string, seen = new Map<string, string[]>()): Map<string, string[]> {
  if (seen.has(entry)) return seen;
  const src = readFileSync(join(here, entry), 'utf8');
  const specs = [...src.matchAll(/(?:import|export)[^'"]*?from\s+'([^']+)'/g)].map((m) => m[1]!);
  seen.set(entry, specs);
  for (const s of specs) if (s.startsWith('./')) reachable(s.replace(/\.js$/, '.ts').slice(2), seen);
  return seen;
}

describe('browser-safe core', () => {
  it('the package entry imports nothing Node-only (file and PNG output live in ./node)', () => {
    const graph = reachable('index.ts');
    expect(graph.size).toBeGreaterThan(8);
    for (const [file, specs] of graph) {
      for (const s of specs) expect(NODE_ONLY.test(s), `${file} imports ${s}`).toBe(false);
      expect(readFileSync(join(here, file), 'utf8')).not.toMatch(/\bprocess\.|\bBuffer\./);
    }
    expect([...graph.keys()]).not.toContain('png-export.ts');
  });
});
