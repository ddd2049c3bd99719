import { describe, expect, it } from 'vitest';
import { describeValue, mismatch } from '../../src/core/validate.js';

describe('describeValue', () => {
  it('spells a symbol with its description', () => {
    expect(describeValue(Symbol('x'))).toBe('Symbol(x)');
  });

  it('spells a symbol without a description', () => {
    expect(describeValue(Symbol())).toBe('Symbol()');
  });

  it('spells a bigint with its n', () => {
    expect(describeValue(12n)).toBe('12n');
  });

  it('spells undefined, null, numbers and booleans as JavaScript does', () => {
    expect([undefined, null, -1, NaN, Infinity, true].map(describeValue)).toEqual([
      'undefined',
      'null',
      '-1',
      'NaN',
      'Infinity',
      'true',
    ]);
  });

  it('quotes a string and cuts one longer than 60 characters inside the quotes', () => {
    expect(describeValue('a'.repeat(70))).toBe(`"${'a'.repeat(56)}..."`);
  });

  it('cuts an object whose JSON is longer than 60 characters', () => {
    expect(describeValue({ key: 'v'.repeat(70) })).toBe(`{"key":"${'v'.repeat(49)}...`);
  });
});

describe('mismatch', () => {
  it('builds the rule message as a TypeError', () => {
    const error = mismatch(TypeError, 'maxAttempts', 'an integer >= 1 or Infinity', 'x');
    expect([error instanceof TypeError, error.message]).toEqual([
      true,
      'maxAttempts: expected an integer >= 1 or Infinity, got "x"',
    ]);
  });

  it('builds the rule message as a RangeError', () => {
    const error = mismatch(RangeError, 'maxAttempts', 'an integer >= 1 or Infinity', -1);
    expect([error instanceof RangeError, error.message]).toEqual([
      true,
      'maxAttempts: expected an integer >= 1 or Infinity, got -1',
    ]);
  });
});
