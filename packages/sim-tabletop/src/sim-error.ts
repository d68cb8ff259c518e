/**
 * Errors from the simulator. They carry the `@vlakit/core` error brand (`Symbol.for`), so
 * `VlakitError.isInstance(e, 'input')` is true for them, without importing core (whose index
 * pulls in Node-only modules) into this browser-safe package core.
 */
const BRAND = Symbol.for('@vlakit/core/error');

export type SimErrorKind = 'input' | 'config' | 'runtime' | 'io';

export class SimError extends Error {
  readonly [BRAND] = true;
  readonly kind: SimErrorKind;
  readonly details: Record<string, unknown>;

  constructor(kind: SimErrorKind, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = `VlakitError[${kind}]`;
    this.kind = kind;
    this.details = details;
  }
}

/** Renders a value for an error message, short and unambiguous. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value).slice(0, 80);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as Float32Array).length})`;
  if (Array.isArray(value)) return `array(${value.length})`;
  return typeof value;
}
