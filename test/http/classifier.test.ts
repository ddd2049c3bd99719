import { AxiosError, AxiosHeaders } from 'axios';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HTTP_STATUSES, httpClassifier } from '../../src/http/index.js';
import type { Outcome } from '../../src/index.js';

const classify = httpClassifier();
const value = (v: unknown): Outcome => ({ ok: true, value: v });
const thrown = (e: unknown): Outcome => ({ ok: false, error: e });
const response = (status: number, headers?: HeadersInit) => new Response(null, { status, headers });

/** An AxiosError as axios' `settle` raises it for a non-2xx answer. */
function axiosError(status: number, headers: Record<string, string> = {}): AxiosError {
  return new AxiosError(
    `Request failed with status code ${status}`,
    status < 500 ? 'ERR_BAD_REQUEST' : 'ERR_BAD_RESPONSE',
    undefined,
    undefined,
    {
      status,
      statusText: '',
      headers: new AxiosHeaders(headers),
      config: {} as never,
      data: undefined,
    },
  );
}

describe('httpClassifier: the status table', () => {
  it.each([408, 425, 429])('retries a %d response', (status) => {
    expect(classify(value(response(status)))).toEqual({
      action: 'retry',
      reason: `http:${status}`,
    });
  });

  it.each([500, 502, 503, 504, 507, 520, 599])('judges a %d response unknown', (status) => {
    expect(classify(value(response(status)))).toEqual({
      action: 'unknown',
      reason: `http:${status}`,
    });
  });

  it.each([400, 401, 403, 404, 409, 413, 422, 451, 499, 501, 505])(
    'fails on a %d response',
    (status) => {
      expect(classify(value(response(status)))).toEqual({
        action: 'fail',
        reason: `http:${status}`,
      });
    },
  );

  it.each([200, 201, 204, 301, 304])('gives no verdict on a %d response (a success)', (status) => {
    expect(classify(value(response(status)))).toBeUndefined();
  });

  it('publishes its defaults as a frozen table', () => {
    expect(Object.isFrozen(DEFAULT_HTTP_STATUSES)).toBe(true);
    expect(DEFAULT_HTTP_STATUSES).toMatchObject({
      408: 'retry',
      500: 'unknown',
      '4xx': 'fail',
      '5xx': 'unknown',
    });
  });
});

describe('httpClassifier: Retry-After', () => {
  it('reads Retry-After seconds from a fetch Response (a 503 is unknown, its Retry-After kept)', () => {
    expect(classify(value(response(503, { 'Retry-After': '7' })))).toEqual({
      action: 'unknown',
      reason: 'http:503',
      retryAfterMs: 7000,
    });
  });

  it('reads an HTTP-date against the `now` option', () => {
    const now = Date.UTC(2026, 0, 1);
    const classifyAt = httpClassifier({ now: () => now });
    expect(
      classifyAt(value(response(429, { 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }))),
    ).toEqual({
      action: 'retry',
      reason: 'http:429',
      retryAfterMs: 30_000,
    });
  });

  it('honours Retry-After on an unknown verdict too', () => {
    expect(classify(value(response(500, { 'retry-after': '2' })))).toEqual({
      action: 'unknown',
      reason: 'http:500',
      retryAfterMs: 2000,
    });
  });

  it('ignores Retry-After on a fail verdict', () => {
    expect(classify(value(response(400, { 'retry-after': '2' })))).toEqual({
      action: 'fail',
      reason: 'http:400',
    });
  });

  it('ignores an invalid Retry-After', () => {
    expect(classify(value(response(503, { 'retry-after': 'later' })))).toEqual({
      action: 'unknown',
      reason: 'http:503',
    });
  });

  it.each([
    ['a plain object in any case', { 'Retry-After': '4' }],
    ['a plain object with an array value', { 'retry-after': ['4'] }],
    ['an object with a get method', new Map([['retry-after', '4']])],
    ['AxiosHeaders', new AxiosHeaders({ 'Retry-After': '4' })],
  ])('reads headers given as %s', (_what, headers) => {
    expect(classify(value({ status: 429, headers }))).toEqual({
      action: 'retry',
      reason: 'http:429',
      retryAfterMs: 4000,
    });
  });

  it('treats a headers object whose get throws as having no Retry-After', () => {
    const headers = {
      get() {
        throw new Error('broken');
      },
    };
    expect(classify(value({ status: 503, headers }))).toEqual({
      action: 'unknown',
      reason: 'http:503',
    });
  });
});

describe('httpClassifier: returned values', () => {
  it('judges an undici.request result by statusCode', () => {
    expect(
      classify(value({ statusCode: 503, headers: { 'retry-after': '1' }, body: null })),
    ).toEqual({
      action: 'unknown',
      reason: 'http:503',
      retryAfterMs: 1000,
    });
  });

  it('gives no verdict on a value with a status but no headers (not a response)', () => {
    expect(classify(value({ status: 503 }))).toBeUndefined();
  });

  it.each([null, undefined, 'text', 503, { data: 1 }, [503]])('gives no verdict on %j', (v) => {
    expect(classify(value(v))).toBeUndefined();
  });
});

describe('httpClassifier: thrown errors', () => {
  it('reads an axios error: response.status and AxiosHeaders', () => {
    expect(classify(thrown(axiosError(429, { 'Retry-After': '3' })))).toEqual({
      action: 'retry',
      reason: 'http:429',
      retryAfterMs: 3000,
    });
  });

  it('reads a got HTTPError: response.statusCode and plain headers', () => {
    const error = Object.assign(
      new Error('Request failed with status code 503 (Service Unavailable)'),
      {
        name: 'HTTPError',
        code: 'ERR_NON_2XX_3XX_RESPONSE',
        response: { statusCode: 503, headers: { 'retry-after': '5' } },
      },
    );
    expect(classify(thrown(error))).toEqual({
      action: 'unknown',
      reason: 'http:503',
      retryAfterMs: 5000,
    });
  });

  it('reads a ky HTTPError: response is a fetch Response', () => {
    const error = Object.assign(new Error('Request failed with status code 404 Not Found'), {
      name: 'HTTPError',
      response: response(404),
    });
    expect(classify(thrown(error))).toEqual({ action: 'fail', reason: 'http:404' });
  });

  it.each([
    ['status', { status: 502 }],
    ['statusCode', { statusCode: 502 }],
  ])('reads an error carrying %s', (_field, fields) => {
    expect(classify(thrown(Object.assign(new Error('bad gateway'), fields)))).toEqual({
      action: 'unknown',
      reason: 'http:502',
    });
  });

  it('finds the status on a wrapped cause', () => {
    const error = new Error('could not load balances', { cause: axiosError(503) });
    expect(classify(thrown(error))).toEqual({ action: 'unknown', reason: 'http:503' });
  });

  it('lets an error status win over a socket error on the same error', () => {
    const error = Object.assign(new Error('read ECONNRESET'), {
      code: 'ECONNRESET',
      response: { statusCode: 503, headers: {} },
    });
    expect(classify(thrown(error))).toEqual({ action: 'unknown', reason: 'http:503' });
  });

  it('lets the socket error win over a 200 status (body cut after the headers)', () => {
    const error = Object.assign(new Error('The server aborted pending request'), {
      name: 'ReadError',
      code: 'ECONNRESET',
      response: { statusCode: 200, headers: {} },
    });
    expect(classify(thrown(error))).toEqual({ action: 'unknown', reason: 'network:ECONNRESET' });
  });

  it('retries a connection refused behind fetch failed', () => {
    const error = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
        code: 'ECONNREFUSED',
        syscall: 'connect',
      }),
    });
    expect(classify(thrown(error))).toEqual({ action: 'retry', reason: 'network:ECONNREFUSED' });
  });

  it('judges an AbortSignal.timeout TimeoutError unknown', () => {
    const error = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(classify(thrown(error))).toEqual({ action: 'unknown', reason: 'network:TimeoutError' });
  });

  it.each([
    ['a DOMException AbortError', new DOMException('This operation was aborted', 'AbortError')],
    ['an axios CanceledError', new AxiosError('canceled', 'ERR_CANCELED')],
    [
      'an undici RequestAbortedError',
      Object.assign(new Error('Request aborted'), { name: 'AbortError', code: 'UND_ERR_ABORTED' }),
    ],
  ])('fails on %s (the caller cancelled)', (_what, error) => {
    expect(classify(thrown(error))).toEqual({ action: 'fail', reason: 'http:aborted' });
  });

  it.each([
    ['a plain Error', new Error('boom')],
    ['a string', 'boom'],
    ['null', null],
    ['a programming TypeError', new TypeError('x is not a function')],
  ])('gives no verdict on %s', (_what, error) => {
    expect(classify(thrown(error))).toBeUndefined();
  });
});

describe('httpClassifier: options', () => {
  it('overrides single statuses', () => {
    const custom = httpClassifier({ statuses: { 500: 'retry', 404: 'none' } });
    expect(custom(value(response(500)))).toEqual({ action: 'retry', reason: 'http:500' });
    expect(custom(thrown(axiosError(404)))).toBeUndefined();
    expect(custom(value(response(502)))).toEqual({ action: 'unknown', reason: 'http:502' });
  });

  it('overrides a whole class with 5xx, keeping listed statuses', () => {
    const custom = httpClassifier({ statuses: { '5xx': 'retry' } });
    expect(custom(value(response(507)))).toEqual({ action: 'retry', reason: 'http:507' });
    expect(custom(value(response(500)))).toEqual({ action: 'unknown', reason: 'http:500' });
  });

  it('accepts a Map', () => {
    const custom = httpClassifier({ statuses: new Map([[409, 'retry']]) });
    expect(custom(value(response(409)))).toEqual({ action: 'retry', reason: 'http:409' });
  });

  it('can give a verdict on a 2xx when told to', () => {
    const custom = httpClassifier({ statuses: { 202: 'retry' } });
    expect(custom(value(response(202)))).toEqual({ action: 'retry', reason: 'http:202' });
  });

  it('throws a RangeError naming `statuses` for a key that is not a status', () => {
    expect(() => httpClassifier({ statuses: { 600: 'retry' } as never })).toThrow(
      new RangeError(
        "`statuses`: expected keys that are HTTP statuses (100-599), '4xx' or '5xx', got \"600\"",
      ),
    );
  });

  it('throws a TypeError naming the status for an unknown action', () => {
    expect(() => httpClassifier({ statuses: { 503: 'later' } as never })).toThrow(
      new TypeError(
        "`statuses[503]`: expected 'retry', 'unknown', 'fail' or 'none', got \"later\"",
      ),
    );
  });

  it('throws a TypeError for statuses that are not an object', () => {
    expect(() => httpClassifier({ statuses: 'all' as never })).toThrow(
      new TypeError('`statuses`: expected an object or a Map from status to action, got "all"'),
    );
  });

  it('throws a TypeError for a `now` that is not a function', () => {
    expect(() => httpClassifier({ now: 5 as never })).toThrow(
      new TypeError('`now`: expected a function returning epoch ms, got 5'),
    );
  });

  it('throws a TypeError for options that are not an object', () => {
    expect(() => httpClassifier('fast' as never)).toThrow(
      new TypeError('httpClassifier: expected an options object, got "fast"'),
    );
  });

  it('falls back to Date.now when `now` throws', () => {
    const custom = httpClassifier({
      now: () => {
        throw new Error('clock broken');
      },
    });
    expect(custom(value(response(503, { 'retry-after': '1' })))).toEqual({
      action: 'unknown',
      reason: 'http:503',
      retryAfterMs: 1000,
    });
  });
});
