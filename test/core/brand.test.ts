import { describe, expect, it } from 'vitest';
import { brand } from '../../src/core/brand.js';
import { RetryExhaustedError } from '../../src/core/errors.js';

/** What another copy of the package (its other build, another install) defines. */
class OtherCopyExhausted extends Error {
  static {
    brand(this, 'RetryExhaustedError');
  }
}
const exhausted = () =>
  new RetryExhaustedError({
    operation: 'op',
    attempts: 1,
    elapsedMs: 0,
    reason: 'attempts',
    cause: undefined,
  });

describe('brand', () => {
  it("makes another copy's instance an instance of the class", () => {
    expect(new OtherCopyExhausted() instanceof RetryExhaustedError).toBe(true);
  });

  it("makes the class's instance an instance of the other copy's class", () => {
    expect(exhausted() instanceof OtherCopyExhausted).toBe(true);
  });

  it('does not count the prototype itself as an instance', () => {
    expect(RetryExhaustedError.prototype instanceof RetryExhaustedError).toBe(false);
  });

  it('refuses primitives, null and a plain Error', () => {
    expect(
      [undefined, null, 'RetryExhaustedError', 1, new Error('x')].map(
        (v) => v instanceof RetryExhaustedError,
      ),
    ).toEqual([false, false, false, false, false]);
  });

  it('refuses a proxy whose getPrototypeOf trap throws, without throwing', () => {
    const hostile = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error('trap');
        },
      },
    );
    expect(hostile instanceof RetryExhaustedError).toBe(false);
  });

  it("keeps a user's subclass ordinary: a base instance is not one of the subclass", () => {
    class Mine extends RetryExhaustedError {}
    const mine = new Mine({
      operation: 'op',
      attempts: 1,
      elapsedMs: 0,
      reason: 'attempts',
      cause: undefined,
    });
    expect([
      mine instanceof Mine,
      mine instanceof RetryExhaustedError,
      exhausted() instanceof Mine,
    ]).toEqual([true, true, false]);
  });
});

describe('brand on values without an ordinary prototype', () => {
  it('refuses an object with a null prototype', () => {
    expect(Object.create(null) instanceof RetryExhaustedError).toBe(false);
  });

  it('refuses a symbol, a bigint, a boolean and a function', () => {
    expect(
      [Symbol('x'), 1n, true, () => undefined].map((v) => v instanceof RetryExhaustedError),
    ).toEqual([false, false, false, false]);
  });

  it('refuses a revoked proxy, without throwing', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(proxy instanceof RetryExhaustedError).toBe(false);
  });
});
