import { AxiosError } from 'axios';
import { describe, expect, it } from 'vitest';
import { findNetworkFailure, networkErrorKind } from '../../src/http/index.js';

/** A Node system error as `net` raises it. */
function systemError(code: string, syscall = 'read'): Error {
  return Object.assign(new Error(`${syscall} ${code}`), { code, syscall, errno: -1 });
}

/** An undici error (`UndiciError` subclasses carry `name` and `code`). */
function undiciError(name: string, code: string, message: string): Error {
  return Object.assign(new Error(message), { name, code });
}

/** Node fetch wraps every network failure as `TypeError('fetch failed', { cause })`. */
function fetchFailed(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause });
}

describe('networkErrorKind: failures before the request was sent', () => {
  it.each([
    'ECONNREFUSED',
    'ENOTFOUND',
    'EAI_AGAIN',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'ENETDOWN',
    'EHOSTDOWN',
    'EADDRINUSE',
  ])('is before-send for %s behind fetch failed', (code) => {
    expect(networkErrorKind(fetchFailed(systemError(code, 'connect')))).toBe('before-send');
  });

  it('is before-send for an undici connect timeout', () => {
    const error = undiciError(
      'ConnectTimeoutError',
      'UND_ERR_CONNECT_TIMEOUT',
      'Connect Timeout Error',
    );
    expect(networkErrorKind(fetchFailed(error))).toBe('before-send');
  });

  it('is before-send for ETIMEDOUT raised by connect()', () => {
    expect(networkErrorKind(systemError('ETIMEDOUT', 'connect'))).toBe('before-send');
  });

  it.each(['lookup', 'connect', 'secureConnect', 'socket'])(
    "is before-send for got's TimeoutError on %s",
    (event) => {
      const error = Object.assign(new Error(`Timeout awaiting '${event}' for 100ms`), {
        name: 'TimeoutError',
        code: 'ETIMEDOUT',
        event,
      });
      expect(networkErrorKind(error)).toBe('before-send');
    },
  );

  it('is before-send for an AggregateError of refused connections (happy eyeballs)', () => {
    const error = Object.assign(
      new AggregateError([
        systemError('ECONNREFUSED', 'connect'),
        systemError('ECONNREFUSED', 'connect'),
      ]),
      { code: 'ECONNREFUSED' },
    );
    expect(networkErrorKind(error)).toBe('before-send');
  });
});

describe('networkErrorKind: failures after the request may have been sent', () => {
  it.each(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED'])('is after-send for %s', (code) => {
    expect(networkErrorKind(systemError(code))).toBe('after-send');
  });

  it.each([
    ['SocketError', 'UND_ERR_SOCKET', 'other side closed'],
    ['HeadersTimeoutError', 'UND_ERR_HEADERS_TIMEOUT', 'Headers Timeout Error'],
    ['BodyTimeoutError', 'UND_ERR_BODY_TIMEOUT', 'Body Timeout Error'],
    ['ClientClosedError', 'UND_ERR_CLOSED', 'The client is closed'],
    ['ClientDestroyedError', 'UND_ERR_DESTROYED', 'The client is destroyed'],
  ])('is after-send for undici %s (%s)', (name, code, message) => {
    expect(networkErrorKind(fetchFailed(undiciError(name, code, message)))).toBe('after-send');
  });

  it("is after-send for TypeError('terminated'), a body cut mid-stream", () => {
    const cause = undiciError('SocketError', 'UND_ERR_SOCKET', 'other side closed');
    expect(findNetworkFailure(new TypeError('terminated', { cause }))).toEqual({
      kind: 'after-send',
      token: 'terminated',
    });
  });

  it('is after-send for a DOMException named TimeoutError (AbortSignal.timeout)', () => {
    expect(
      networkErrorKind(
        new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
      ),
    ).toBe('after-send');
  });

  it('is after-send for a plain Error named TimeoutError', () => {
    expect(networkErrorKind(Object.assign(new Error('timed out'), { name: 'TimeoutError' }))).toBe(
      'after-send',
    );
  });

  it("is after-send for got's TimeoutError on the response phase", () => {
    const error = Object.assign(new Error("Timeout awaiting 'response' for 100ms"), {
      name: 'TimeoutError',
      code: 'ETIMEDOUT',
      event: 'response',
    });
    expect(networkErrorKind(error)).toBe('after-send');
  });

  it('is after-send for an axios ERR_CANCELED whose signal was aborted by a timeout', () => {
    const signal = AbortSignal.abort(
      new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
    );
    const error = new AxiosError('canceled', 'ERR_CANCELED', { signal } as never);
    expect(findNetworkFailure(error)).toEqual({ kind: 'after-send', token: 'TimeoutError' });
  });

  it('is after-send for an axios ERR_BAD_RESPONSE with status 200 (body cut)', () => {
    const error = new AxiosError(
      'stream has been aborted',
      'ERR_BAD_RESPONSE',
      undefined,
      undefined,
      {
        status: 200,
        statusText: 'OK',
        headers: {},
        config: {} as never,
        data: undefined,
      },
    );
    expect(networkErrorKind(error)).toBe('after-send');
  });

  it('is after-send for a bare fetch failed without a coded cause', () => {
    expect(findNetworkFailure(new TypeError('fetch failed'))).toEqual({
      kind: 'after-send',
      token: 'fetch-failed',
    });
  });

  it('is after-send when the chain holds both kinds (the cautious answer)', () => {
    const error = systemError('ECONNRESET');
    (error as { cause?: unknown }).cause = systemError('ECONNREFUSED', 'connect');
    expect(networkErrorKind(error)).toBe('after-send');
  });

  it('finds the code three causes deep', () => {
    const error = new Error('order failed', {
      cause: new Error('request failed', { cause: fetchFailed(systemError('EPIPE')) }),
    });
    expect(findNetworkFailure(error)).toEqual({ kind: 'after-send', token: 'EPIPE' });
  });
});

describe('networkErrorKind: not network failures', () => {
  it.each([
    ['a plain Error', new Error('boom')],
    ['a caller abort', new DOMException('This operation was aborted', 'AbortError')],
    ['an axios cancel', new AxiosError('canceled', 'ERR_CANCELED')],
    [
      'an axios 503',
      new AxiosError(
        'Request failed with status code 503',
        'ERR_BAD_RESPONSE',
        undefined,
        undefined,
        {
          status: 503,
          statusText: 'Service Unavailable',
          headers: {},
          config: {} as never,
          data: undefined,
        },
      ),
    ],
    ['a programming TypeError', new TypeError('x is not a function')],
    ['an unknown code', Object.assign(new Error('nope'), { code: 'E_SOMETHING' })],
    ['a string', 'ECONNRESET'],
    ['null', null],
    ['a number', 42],
  ])('is undefined for %s', (_what, error) => {
    expect(networkErrorKind(error)).toBeUndefined();
  });

  it('ends on a cyclic cause chain', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(networkErrorKind(a)).toBeUndefined();
  });

  it('finds a code on a cyclic cause chain', () => {
    const a = new Error('a');
    const b = Object.assign(new Error('b', { cause: a }), { code: 'ECONNRESET' });
    (a as { cause?: unknown }).cause = b;
    expect(networkErrorKind(a)).toBe('after-send');
  });

  it('is undefined for a proxy whose every getter throws', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
      },
    );
    expect(networkErrorKind(hostile)).toBeUndefined();
  });

  it('is undefined for a revoked proxy', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(networkErrorKind(proxy)).toBeUndefined();
  });
});
