import { describe, expect, it } from 'vitest';
import { quote, VlakitError } from './errors.js';

describe('VlakitError', () => {
  it('carries a kind and is recognised by isInstance', () => {
    const e = new VlakitError('config', 'bad');
    expect(VlakitError.isInstance(e)).toBe(true);
    expect(VlakitError.isInstance(e, 'config')).toBe(true);
    expect(VlakitError.isInstance(e, 'shape')).toBe(false);
    expect(VlakitError.isInstance(new Error('x'))).toBe(false);
    expect(VlakitError.isInstance(null)).toBe(false);
  });

  it('is recognised across two copies of core (brand by Symbol.for, not instanceof)', () => {
    // what a second copy of the class would produce: a plain object with the global brand
    const foreign = Object.assign(new Error('from another copy'), {
      kind: 'graph',
      [Symbol.for('@vlakit/core/error')]: true,
    });
    expect(foreign instanceof VlakitError).toBe(false);
    expect(VlakitError.isInstance(foreign, 'graph')).toBe(true);
  });

  it('quotes values readably', () => {
    expect(quote('a')).toBe('"a"');
    expect(quote(3)).toBe('3');
    expect(quote({ a: [1, 2] })).toBe('{"a":[1,2]}');
    expect(quote('x'.repeat(200)).length).toBeLessThanOrEqual(120);
  });
});
