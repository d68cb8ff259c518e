import { InvalidArgumentError } from 'commander';

/** Option value parsers whose errors say what was expected. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  }
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`expected a non-negative integer, got "${value}"`);
  }
  return n;
}

export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got "${value}"`);
    }
    return value as T;
  };
}

export function commaList<T extends string>(choices: readonly T[]): (value: string) => T[] {
  return (value) => {
    const items = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (items.length === 0)
      throw new InvalidArgumentError(
        `expected a comma-separated list of ${choices.join(', ')}, got "${value}"`,
      );
    for (const item of items) {
      if (!(choices as readonly string[]).includes(item)) {
        throw new InvalidArgumentError(`"${item}" is not one of ${choices.join(', ')}`);
      }
    }
    return items as T[];
  };
}
