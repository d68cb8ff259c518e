const BRAND = Symbol.for('@vlakit/core/error');

/**
 * An error with a kind, branded like @vlakit/core's VlakitError (so `VlakitError.isInstance`
 * recognises it) without importing core, which would pull in tfjs.
 */
export class PolicyError extends Error {
  readonly [BRAND] = true;
  readonly details: Record<string, unknown>;
  constructor(
    readonly kind: 'input' | 'runtime' | 'config' | 'io',
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = `VlakitError[${kind}]`;
    this.details = details;
  }
}
