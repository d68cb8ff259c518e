/**
 * The vlakit error family. Every error carries a `kind` and a brand registered with
 * `Symbol.for`, so `VlakitError.isInstance` works even when two copies of core are installed.
 */
const BRAND = Symbol.for('@vlakit/core/error');

export type VlakitErrorKind =
  | 'config'
  | 'plugin'
  | 'graph'
  | 'shape'
  | 'input'
  | 'checkpoint'
  | 'dataset'
  | 'backend'
  | 'export'
  | 'runtime'
  | 'io'
  | 'training';

export interface VlakitErrorOptions {
  cause?: unknown;
  /** Machine-readable details (the offending value, the expected value, ...). */
  details?: Record<string, unknown>;
}

export class VlakitError extends Error {
  readonly [BRAND] = true;
  readonly kind: VlakitErrorKind;
  readonly details: Record<string, unknown>;

  constructor(kind: VlakitErrorKind, message: string, options: VlakitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = `VlakitError[${kind}]`;
    this.kind = kind;
    this.details = options.details ?? {};
  }

  /** True for any vlakit error, from this copy of core or another one. */
  static isInstance(error: unknown, kind?: VlakitErrorKind): error is VlakitError {
    if (typeof error !== 'object' || error === null || (error as Record<symbol, unknown>)[BRAND] !== true) {
      return false;
    }
    return kind === undefined || (error as VlakitError).kind === kind;
  }
}

/** Renders any value for an error message: short, unambiguous, never throws. */
export function quote(value: unknown): string {
  if (typeof value === 'string') return shorten(JSON.stringify(value));
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return shorten(JSON.stringify(value));
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function shorten(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
