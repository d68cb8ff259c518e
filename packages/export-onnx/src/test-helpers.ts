import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVlakitContainer, memoryLogger, StageRegistry } from '@vlakit/core';
import { testStagesModule } from '@vlakit/core/testing';
import type { ContainerModule } from 'inversify';

export function registryWith(...modules: ContainerModule[]): StageRegistry {
  const container = createVlakitContainer({ logger: memoryLogger() });
  container.load(testStagesModule, ...modules);
  return StageRegistry.fromContainer(container);
}

export const tempDir = (prefix = 'vlakit-onnx-') => mkdtempSync(join(tmpdir(), prefix));

const PY = '/usr/bin/python3';
let pythonOnnx: boolean | undefined;

/** Whether Debian's python3-onnx is installed (`apt-get install python3-onnx`). */
export function hasPythonOnnx(): boolean {
  if (pythonOnnx === undefined)
    pythonOnnx = existsSync(PY) && spawnSync(PY, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0;
  return pythonOnnx;
}

/** onnx.checker.check_model(full_check=True) via /usr/bin/python3; returns stderr on failure. */
export function pythonCheckModel(path: string): { ok: boolean; message: string } {
  const r = spawnSync(
    PY,
    ['-c', 'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True); print("ok")', path],
    { encoding: 'utf8' },
  );
  return { ok: r.status === 0, message: `${r.stdout}${r.stderr}`.trim() };
}
