import type * as tf from '@tensorflow/tfjs';
import { quote, VlakitError } from './errors.js';
import type { PortSpec } from './ports.js';
import { bindShape } from './shapes.js';

export type ShapeBindings = Map<string, { size: number; where: string }>;

/**
 * Checks tensors against ports: every required port present, no unknown names, rank,
 * dtype and shape as declared, symbols (B, N, ...) consistent across ports.
 */
export function validatePortTensors(
  ports: readonly PortSpec[],
  tensors: Readonly<Record<string, tf.Tensor | undefined>>,
  owner: string,
  direction: 'input' | 'output',
  bindings: ShapeBindings = new Map(),
): ShapeBindings {
  const known = new Set(ports.map((p) => p.name));
  for (const name of Object.keys(tensors)) {
    if (!known.has(name)) {
      throw new VlakitError(
        'input',
        `${owner}: unknown ${direction} ${quote(name)}; expected ${ports.map((p) => quote(p.name)).join(', ')}`,
      );
    }
  }
  for (const spec of ports) {
    const t = tensors[spec.name];
    const what = `${direction} '${spec.name}' of ${owner}`;
    if (t === undefined) {
      if (spec.optional || (direction === 'output' && spec.inspection)) continue;
      throw new VlakitError('input', `${what} is missing; expected a ${spec.dtype} tensor ${fmt(spec)}`);
    }
    if (typeof t !== 'object' || t === null || !Array.isArray((t as tf.Tensor).shape)) {
      throw new VlakitError('input', `${what} must be a tf.Tensor, got ${quote(t)}`);
    }
    if (t.isDisposed) throw new VlakitError('input', `${what} was already disposed`);
    if (t.dtype !== spec.dtype) {
      throw new VlakitError(
        'shape',
        `${what}: expected dtype ${spec.dtype}, got ${t.dtype} (shape ${fmt(spec)})`,
      );
    }
    bindShape(t.shape, spec.shape, bindings, what);
  }
  return bindings;
}

function fmt(spec: PortSpec): string {
  return `(${spec.shape.join(', ')})`;
}
