#!/usr/bin/env node
// Builds the optional OpenBLAS addon (native/build/vlakit_blas.node) with the system C compiler.
// Needs the Node headers (node_api.h) and libopenblas-dev (cblas.h, libopenblas.so). Whenever
// something is missing it says what and exits 0: @vlakit/backend then runs without the addon.
// VLAKIT_NATIVE=0 skips the build.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'build');
const out = join(outDir, 'vlakit_blas.node');
const skip = (why) => {
  console.log(`@vlakit/backend: native OpenBLAS addon not built (${why}); the wasm kernels are used.`);
  process.exit(0);
};

if (process.env.VLAKIT_NATIVE === '0') skip('VLAKIT_NATIVE=0');
if (process.platform !== 'linux') skip(`platform ${process.platform}; only linux builds are set up`);
const headerDirs = [
  join(dirname(process.execPath), '..', 'include', 'node'),
  '/usr/include/node',
  '/usr/local/include/node',
];
const nodeInclude = headerDirs.find((d) => existsSync(join(d, 'node_api.h')));
if (nodeInclude === undefined) skip(`node_api.h not found in ${headerDirs.join(', ')}`);
const cblasDirs = [
  '/usr/include/x86_64-linux-gnu',
  '/usr/include/aarch64-linux-gnu',
  '/usr/include/openblas',
  '/usr/include',
];
const cblasInclude = cblasDirs.find((d) => existsSync(join(d, 'cblas.h')));
if (cblasInclude === undefined) skip('cblas.h not found: apt-get install libopenblas-dev');
const cc = process.env.CC ?? 'cc';

mkdirSync(outDir, { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
const args = [
  '-O3',
  '-shared',
  '-fPIC',
  '-std=c11',
  // vectorised reductions (`#pragma omp simd`, no OpenMP runtime), fused multiply-adds,
  // branch-free clamps and vector square roots (no floating-point traps or errno are used)
  '-fopenmp-simd',
  '-ffp-contract=fast',
  '-fno-trapping-math',
  '-fno-math-errno',
  '-Wall',
  '-DNODE_GYP_MODULE_NAME=vlakit_blas',
  '-DNAPI_VERSION=8',
  `-I${nodeInclude}`,
  `-I${cblasInclude}`,
  join(here, 'vlakit_blas.c'),
  join(here, 'vlakit_fused.c'),
  join(here, 'vlakit_attention.c'),
  join(here, 'vlakit_elementwise.c'),
  join(here, 'vlakit_dense.c'),
  join(here, 'vlakit_gru.c'),
  '-o',
  tmp,
  '-lopenblas',
  '-lm',
];
const r = spawnSync(cc, args, { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
if (r.error !== undefined || r.status !== 0) {
  rmSync(tmp, { force: true });
  skip(`${cc} failed: ${(r.error?.message ?? r.stderr ?? '').trim().split('\n').slice(0, 3).join(' | ')}`);
}
renameSync(tmp, out);
console.log(`@vlakit/backend: built ${out}`);
