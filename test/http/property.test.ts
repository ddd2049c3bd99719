import { fc, test } from '../helpers/property.js';
import { describe, expect, it } from 'vitest';
import { httpClassifier, networkErrorKind, parseRetryAfter } from '../../src/http/index.js';

const classify = httpClassifier();
const ACTIONS = ['retry', 'fail', 'unknown'];

/** A value whose every property read throws, as a hostile or broken proxy does. */
const hostile = fc.constant(
  new Proxy(
    {},
    {
      get() {
        throw new Error('trap');
      },
      getPrototypeOf() {
        throw new Error('trap');
      },
      ownKeys() {
        throw new Error('trap');
      },
    },
  ),
);

/** Error-like shapes built from arbitrary parts: statuses, headers, codes and causes of any type. */
const errorLike = fc.letrec((tie) => ({
  error: fc.record(
    {
      name: fc.oneof(
        fc.constantFrom('TypeError', 'TimeoutError', 'AbortError', 'AggregateError', 'HTTPError'),
        fc.anything(),
      ),
      message: fc.oneof(fc.constantFrom('fetch failed', 'terminated'), fc.anything()),
      code: fc.oneof(
        fc.constantFrom('ECONNRESET', 'ECONNREFUSED', 'ERR_CANCELED', 'ERR_BAD_RESPONSE'),
        fc.anything(),
      ),
      status: fc.oneof(fc.integer({ min: 0, max: 700 }), fc.anything()),
      statusCode: fc.anything(),
      headers: fc.oneof(fc.dictionary(fc.string(), fc.anything()), fc.anything(), hostile),
      response: fc.oneof(
        fc.record({ status: fc.anything(), headers: fc.anything() }),
        fc.anything(),
        hostile,
      ),
      errors: fc.oneof(fc.array(fc.anything()), hostile),
      event: fc.anything(),
      syscall: fc.anything(),
      config: fc.anything(),
      cause: fc.oneof({ depthSize: 'small' }, fc.anything(), hostile, tie('error')),
    },
    { requiredKeys: [] },
  ),
})).error;

describe('httpClassifier never throws', () => {
  test.prop([fc.anything()])('on any thrown value', (error) => {
    const verdict = classify({ ok: false, error });
    expect(verdict === undefined || ACTIONS.includes(verdict.action)).toBe(true);
  });

  test.prop([fc.anything()])('on any returned value', (value) => {
    const verdict = classify({ ok: true, value });
    expect(verdict === undefined || ACTIONS.includes(verdict.action)).toBe(true);
  });

  test.prop([fc.oneof(errorLike, hostile)])(
    'on error-like shapes with arbitrary fields',
    (error) => {
      expect(() => classify({ ok: false, error })).not.toThrow();
      expect(() => classify({ ok: true, value: error })).not.toThrow();
    },
  );
});

describe('networkErrorKind never throws', () => {
  it.each(['valueOf', 'constructor', 'toString', '__proto__'])(
    'knows no network error with code %s (a name of Object, not an error code)',
    (code) => {
      expect(networkErrorKind(Object.assign(new Error('x'), { code }))).toBeUndefined();
      expect(classify({ ok: false, error: Object.assign(new Error('x'), { code }) })).toEqual(
        classify({ ok: false, error: new Error('x') }),
      );
    },
  );

  test.prop([fc.oneof(fc.anything(), errorLike, hostile)])('on anything', (error) => {
    expect([undefined, 'before-send', 'after-send']).toContain(networkErrorKind(error));
  });
});

describe('parseRetryAfter', () => {
  test.prop([fc.string(), fc.integer({ min: 0, max: 4_000_000_000_000 })])(
    'returns undefined or a delay >= 0 for any string',
    (text, now) => {
      const ms = parseRetryAfter(text, now);
      expect(ms === undefined || ms >= 0).toBe(true);
    },
  );

  test.prop([fc.integer({ min: 0, max: 10_000_000 })])(
    'reads delay-seconds n as n * 1000 ms',
    (seconds) => {
      expect(parseRetryAfter(String(seconds))).toBe(seconds * 1000);
    },
  );

  test.prop([
    fc.integer({ min: 0, max: 4_000_000_000 }).map((s) => s * 1000),
    fc.integer({ min: 0, max: 4_000_000_000 }).map((s) => s * 1000),
  ])('reads an IMF-fixdate as the time left until it, or 0', (dateMs, nowMs) => {
    expect(parseRetryAfter(new Date(dateMs).toUTCString(), nowMs)).toBe(
      Math.max(0, dateMs - nowMs),
    );
  });
});
