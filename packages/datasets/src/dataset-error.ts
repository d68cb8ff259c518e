import { VlakitError, type VlakitErrorKind } from '@vlakit/core';

/** A dataset error (`kind` 'dataset' unless told) carrying machine-readable details. */
export function datasetError(
  message: string,
  details: Record<string, unknown> = {},
  options: { kind?: VlakitErrorKind; cause?: unknown } = {},
): VlakitError {
  return new VlakitError(options.kind ?? 'dataset', message, { details, cause: options.cause });
}
