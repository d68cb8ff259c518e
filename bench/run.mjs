#!/usr/bin/env node
// `pnpm bench [name] [args...]`: runs bench/<name>.mjs (train, sim, latency, ...); without a
// name, runs every benchmark in turn. Benchmarks use the built packages (pnpm install builds).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.mjs') && f !== 'run.mjs')
  .map((f) => f.slice(0, -4))
  .sort();
const [name, ...rest] = process.argv.slice(2);
if (name === '--help' || name === '-h') {
  console.log(`usage: pnpm bench [${available.join('|')}] [--json] [options]`);
  process.exit(0);
}
if (name !== undefined && !name.startsWith('-') && !available.includes(name)) {
  console.error(`unknown benchmark "${name}"; expected one of ${available.join(', ')}`);
  process.exit(2);
}
const names = name === undefined || name.startsWith('-') ? available : [name];
const args = name === undefined || name.startsWith('-') ? process.argv.slice(2) : rest;
let status = 0;
for (const n of names) {
  const r = spawnSync(process.execPath, [join(here, `${n}.mjs`), ...args], { stdio: 'inherit' });
  if (r.status !== 0) status = r.status ?? 1;
}
process.exit(status);
