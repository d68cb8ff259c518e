import { quote } from '@vlakit/core';
import { datasetError } from './dataset-error.js';

/**
 * Fills a LeRobot path template such as `data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet`
 * (Python `str.format` syntax: `{name}` or `{name:0Nd}`).
 */
export function formatPathTemplate(
  template: string,
  values: Record<string, string | number>,
  where: string,
): string {
  return template.replace(
    /\{([A-Za-z_][A-Za-z0-9_]*)(?::(0?)(\d*)d)?\}/g,
    (_m, name: string, zero: string, width: string) => {
      const value = values[name];
      if (value === undefined) {
        throw datasetError(
          `${where}: path template ${quote(template)} uses {${name}}, expected one of ${Object.keys(values).join(', ')}`,
          { template, name },
        );
      }
      const text = String(value);
      if (!width) return text;
      return text.padStart(Number(width), zero === '0' ? '0' : ' ');
    },
  );
}
