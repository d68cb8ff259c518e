import { quote, VlakitError } from '@vlakit/core';

export const BACKEND_NAMES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Validates a `--backend` value; the error quotes it and lists the choices. */
export function parseBackendName(value: unknown): BackendName {
  if (typeof value === 'string' && (BACKEND_NAMES as readonly string[]).includes(value))
    return value as BackendName;
  throw new VlakitError('backend', `backend ${quote(value)} is not one of ${BACKEND_NAMES.join(', ')}`, {
    details: { value, expected: BACKEND_NAMES },
  });
}
