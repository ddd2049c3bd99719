import { Writable } from 'node:stream';
import util from 'node:util';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import {
  AttemptTimeoutError,
  HoldTooLongError,
  RetryExhaustedError,
  UnknownOutcomeError,
  errSerializer,
  serializeError,
} from '../../src/index.js';

const API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const SIGNATURE = 'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71';

/** An axios-shaped failure carrying the API key header and a signed URL. */
function axiosFailure() {
  return Object.assign(new Error('Request failed with status code 503'), {
    name: 'AxiosError',
    isAxiosError: true,
    code: 'ERR_BAD_RESPONSE',
    config: {
      method: 'get',
      url: `https://api.binance.com/api/v3/order?timestamp=1&signature=${SIGNATURE}`,
      headers: { 'X-MBX-APIKEY': API_KEY, Authorization: `Bearer ${API_KEY}` },
    },
    response: { status: 503, data: { code: -1003, msg: 'Too much request weight used' } },
  });
}

function exhausted(cause: unknown, value?: unknown) {
  return new RetryExhaustedError({
    operation: 'get_order',
    attempts: 3,
    elapsedMs: 1200,
    reason: 'attempts',
    cause,
    ...(value === undefined ? {} : { value }),
  });
}

function pinoLine(
  log: (logger: pino.Logger) => void,
  options: pino.LoggerOptions = {},
): Record<string, any> {
  const lines: string[] = [];
  const logger = pino(
    options,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString('utf8'));
        callback();
      },
    }),
  );
  log(logger);
  return JSON.parse(lines[0]!) as Record<string, any>;
}

describe('how the errors tenacious throws print', () => {
  it('keeps the cause as the very object the client threw', () => {
    const cause = axiosFailure();
    const error = exhausted(cause);
    expect(error.cause).toBe(cause);
    expect(cause.config.headers['X-MBX-APIKEY']).toBe(API_KEY);
  });

  it('prints through util.inspect with its class name and a compact, redacted cause', () => {
    const out = util.inspect(exhausted(axiosFailure()));
    expect(out).toMatch(/^RetryExhaustedError: get_order: gave up after 3 attempts in 1200 ms/);
    expect(out).toContain('[cause]: AxiosError: Request failed with status code 503');
    expect(out).toContain(
      "url: 'https://api.binance.com/api/v3/order?timestamp=1&signature=[REDACTED]'",
    );
    expect(out).toContain("body: { code: -1003, msg: 'Too much request weight used' }");
    expect(out).not.toContain(API_KEY);
    expect(out).not.toContain(SIGNATURE);
    expect(out).not.toContain('transitional');
  });

  it('prints through JSON.stringify as its fields and the compact cause', () => {
    expect(JSON.parse(JSON.stringify(exhausted(axiosFailure())))).toEqual({
      type: 'RetryExhaustedError',
      message: 'get_order: gave up after 3 attempts in 1200 ms (attempts)',
      operation: 'get_order',
      attempts: 3,
      elapsedMs: 1200,
      reason: 'attempts',
      cause: {
        type: 'AxiosError',
        message: 'Request failed with status code 503',
        code: 'ERR_BAD_RESPONSE',
        status: 503,
        method: 'GET',
        url: 'https://api.binance.com/api/v3/order?timestamp=1&signature=[REDACTED]',
        body: { code: -1003, msg: 'Too much request weight used' },
      },
    });
  });

  it('gives every reader the same cause, even while pino serializes the error', () => {
    const cause = axiosFailure();
    const error = exhausted(cause);
    const seen: unknown[] = [];
    const logger = pino(
      { serializers: { err: (err: RetryExhaustedError) => (seen.push(err.cause), err.operation) } },
      new Writable({ write: (_chunk, _encoding, callback) => callback() }),
    );
    logger.error({ err: error });
    pinoLine((l) => l.error({ err: error }));
    expect(seen).toEqual([cause]);
    expect(seen[0]).toBe(cause);
    expect(error.cause).toBe(cause);
    expect(Object.getOwnPropertyDescriptor(error, 'cause')).toEqual({
      value: cause,
      writable: true,
      enumerable: false,
      configurable: true,
    });
  });

  it('keeps the last returned value as the very object the run returned', () => {
    const value = { retCode: 10006, retMsg: 'Too many visits!' };
    expect(exhausted(undefined, value).value).toBe(value);
  });

  it("prints through pino's default err serializer with its own fields and no returned value", () => {
    const value = { status: 503, config: { headers: { 'X-MBX-APIKEY': API_KEY } } };
    const line = pinoLine((logger) => logger.error({ err: exhausted(undefined, value) }));
    expect(line.err).toEqual({
      type: 'RetryExhaustedError',
      message: 'get_order: gave up after 3 attempts in 1200 ms (attempts)',
      stack: expect.stringMatching(/^RetryExhaustedError: get_order: gave up/),
      name: 'RetryExhaustedError',
      operation: 'get_order',
      attempts: 3,
      elapsedMs: 1200,
      reason: 'attempts',
    });
  });

  it("leaves a cause's message to pino's default err serializer as the client wrote it", () => {
    const cause = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const line = pinoLine((logger) => logger.error(exhausted(cause)));
    expect(line.err.message).toBe(
      'get_order: gave up after 3 attempts in 1200 ms (attempts): socket hang up',
    );
  });

  it('prints through errSerializer as its fields and the compact, redacted cause', () => {
    const cause = new Error(
      `binance GET https://api.binance.com/api/v3/account?timestamp=1&signature=${SIGNATURE} request timed out (10000 ms)`,
    );
    const options = { serializers: { err: errSerializer } };
    const line = pinoLine(
      (logger) => logger.error({ err: exhausted(cause) }, 'order failed'),
      options,
    );
    expect(line.err).toEqual({
      type: 'RetryExhaustedError',
      message: 'get_order: gave up after 3 attempts in 1200 ms (attempts)',
      operation: 'get_order',
      attempts: 3,
      elapsedMs: 1200,
      reason: 'attempts',
      cause: {
        type: 'Error',
        message:
          'binance GET https://api.binance.com/api/v3/account?timestamp=1&signature=[REDACTED] request timed out (10000 ms)',
        stack: expect.any(String),
      },
    });
  });

  it('prints the same through errSerializer whether logged alone or as err', () => {
    const error = exhausted(axiosFailure());
    const options = { serializers: { err: errSerializer } };
    const alone = pinoLine((logger) => logger.error(error), options);
    const field = pinoLine((logger) => logger.error({ err: error }), options);
    expect(alone.err).toEqual(field.err);
    expect(alone.err).toEqual(JSON.parse(JSON.stringify(error)));
  });

  it('shows a repeated cause message once through errSerializer', () => {
    const inner = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const cause = Object.assign(new Error('socket hang up', { cause: inner }), {
      code: 'ECONNRESET',
    });
    expect(errSerializer(exhausted(cause)).cause).toMatchObject({ message: 'socket hang up' });
  });

  it('redacts the last returned value for errSerializer and util.inspect', () => {
    const value = { status: 503, config: { headers: { 'X-MBX-APIKEY': API_KEY } } };
    const error = exhausted(undefined, value);
    const line = pinoLine((logger) => logger.error({ err: error }), {
      serializers: { err: errSerializer },
    });
    expect(line.err.value).toEqual({
      status: 503,
      config: { headers: { 'X-MBX-APIKEY': '[REDACTED]' } },
    });
    expect(util.inspect(error, { depth: 5 })).not.toContain(API_KEY);
  });

  it("prints a client's own error through errSerializer as serializeError does", () => {
    const cause = axiosFailure();
    const line = pinoLine((logger) => logger.error({ err: cause }), {
      serializers: { err: errSerializer },
    });
    expect(line.err).toEqual(JSON.parse(JSON.stringify(serializeError(cause))));
    expect(line.err).toEqual({
      type: 'AxiosError',
      message: 'Request failed with status code 503',
      code: 'ERR_BAD_RESPONSE',
      status: 503,
      method: 'GET',
      url: 'https://api.binance.com/api/v3/order?timestamp=1&signature=[REDACTED]',
      body: { code: -1003, msg: 'Too much request weight used' },
    });
  });

  it('redacts UnknownOutcomeError the same way', () => {
    const error = new UnknownOutcomeError({
      operation: 'place_order',
      attempt: 1,
      reason: 'http:503',
      cause: axiosFailure(),
    });
    for (const text of [
      util.inspect(error),
      JSON.stringify(error),
      JSON.stringify(
        pinoLine((logger) => logger.error({ err: error }), { serializers: { err: errSerializer } }),
      ),
    ]) {
      expect(text).not.toContain(API_KEY);
      expect(text).not.toContain(SIGNATURE);
    }
  });

  it('names the class in the stack of an error without a cause', () => {
    const error = new AttemptTimeoutError({ operation: 'get_order', attempt: 2, timeoutMs: 500 });
    expect(error.stack).toMatch(
      /^AttemptTimeoutError: get_order: attempt 2 timed out after 500 ms\n/,
    );
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      type: 'AttemptTimeoutError',
      message: 'get_order: attempt 2 timed out after 500 ms',
      operation: 'get_order',
      attempt: 2,
      timeoutMs: 500,
    });
  });

  it('prints HoldTooLongError through JSON.stringify as its fields', () => {
    const error = new HoldTooLongError({ reason: 'ban', waitMs: 120_000, maxWaitMs: 5000 });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      type: 'HoldTooLongError',
      message: 'rate-limit tracker: a ban hold would wait 120000 ms, more than maxWaitMs (5000 ms)',
      reason: 'ban',
      waitMs: 120_000,
      maxWaitMs: 5000,
    });
  });
});
