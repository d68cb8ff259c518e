import { describe, expect, it } from 'vitest';
import { commaList, nonNegativeInt, oneOf, positiveInt } from './option-parsers.js';

describe('option parsers', () => {
  it('accept good values and say what was expected for bad ones', () => {
    expect(positiveInt('12')).toBe(12);
    expect(() => positiveInt('0')).toThrow('expected a positive integer, got "0"');
    expect(() => positiveInt('1.5')).toThrow('expected a positive integer, got "1.5"');
    expect(() => positiveInt('ten')).toThrow('expected a positive integer, got "ten"');
    expect(nonNegativeInt('0')).toBe(0);
    expect(() => nonNegativeInt('-1')).toThrow('expected a non-negative integer');
    expect(oneOf(['wasm', 'cpu'])('cpu')).toBe('cpu');
    expect(() => oneOf(['wasm', 'cpu'])('gpu')).toThrow('expected one of wasm, cpu, got "gpu"');
    expect(commaList(['a', 'b'])('a, b')).toEqual(['a', 'b']);
    expect(() => commaList(['a', 'b'])('a,c')).toThrow('"c" is not one of a, b');
  });
});
