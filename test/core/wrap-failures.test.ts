import { Writable } from 'node:stream';
import util from 'node:util';
import pino from 'pino';
import pRetry from 'p-retry';
import { describe, expect, it } from 'vitest';
import {
  createRetry,
  PermanentFailureError,
  retry,
  retryable,
  type RetryableDecorator,
} from '../../src/index.js';
import { pRetryOptions } from '../../src/p-retry/index.js';
import { instantClock } from '../../src/testing/index.js';

const API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';

/** An axios-shaped -2010 rejection carrying the API key header. */
function axiosRejection() {
  return Object.assign(new Error('Request failed with status code 400'), {
    name: 'AxiosError',
    isAxiosError: true,
    config: {
      method: 'post',
      url: 'https://api.binance.com/api/v3/order',
      headers: { 'X-MBX-APIKEY': API_KEY },
    },
    response: { status: 400, data: { code: -2010, msg: 'Account has insufficient balance' } },
  });
}

const rejected = () => ({ action: 'fail' as const, reason: 'binance:-2010' });

/** The error a run rejects with when its attempt throws `cause` and the verdict is `fail`. */
async function failureOf(cause: unknown, wrapFailures?: boolean): Promise<unknown> {
  return retry(() => Promise.reject(cause), {
    operation: 'place_order',
    classify: rejected,
    clock: instantClock(),
    ...(wrapFailures === undefined ? {} : { wrapFailures }),
  }).catch((e: unknown) => e);
}

describe('wrapFailures', () => {
  it("rejects a fail verdict with the client's own error by default", async () => {
    const cause = axiosRejection();
    expect(await failureOf(cause)).toBe(cause);
  });

  it('rejects a fail verdict with PermanentFailureError carrying the run and the verdict reason', async () => {
    const error = (await failureOf(axiosRejection(), true)) as PermanentFailureError;
    expect(error).toBeInstanceOf(PermanentFailureError);
    expect({
      name: error.name,
      operation: error.operation,
      attempt: error.attempt,
      elapsedMs: error.elapsedMs,
      reason: error.reason,
      message: error.message,
    }).toEqual({
      name: 'PermanentFailureError',
      operation: 'place_order',
      attempt: 1,
      elapsedMs: 0,
      reason: 'binance:-2010',
      message: 'place_order: failed permanently on attempt 1 (binance:-2010)',
    });
  });

  it("keeps the client's error, unchanged, as cause", async () => {
    const cause = axiosRejection();
    const error = (await failureOf(cause, true)) as PermanentFailureError;
    expect(error.cause).toBe(cause);
    expect(cause.config.headers['X-MBX-APIKEY']).toBe(API_KEY);
  });

  it('prints redacted through util.inspect, JSON.stringify and pino, its cause included', async () => {
    const error = await failureOf(axiosRejection(), true);
    const lines: string[] = [];
    const logger = pino(
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          lines.push(chunk.toString('utf8'));
          callback();
        },
      }),
    );
    logger.error({ err: error }, 'order rejected');
    const printed = [util.inspect(error), JSON.stringify(error), lines[0]!];
    expect(printed[0]).toMatch(/^PermanentFailureError: place_order: failed permanently/);
    for (const text of printed) {
      expect(text).toContain('AxiosError');
      expect(text).not.toContain(API_KEY);
    }
  });

  it('leaves a returned value with a fail verdict as the run result', async () => {
    const value = await retry(() => 'rejected order', {
      classify: (o) => (o.ok ? rejected() : undefined),
      wrapFailures: true,
    });
    expect(value).toBe('rejected order');
  });

  it('is accepted by createRetry', async () => {
    const configured = createRetry({ wrapFailures: true, classify: rejected });
    const error = await configured(() => Promise.reject(new Error('-2010'))).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PermanentFailureError);
  });

  it('is accepted by @retryable', async () => {
    class Orders {
      place(): Promise<never> {
        return Promise.reject(new Error('-2010'));
      }
    }
    // Applied as experimentalDecorators output does: vitest does not compile decorator syntax.
    const decorator: RetryableDecorator = retryable({ wrapFailures: true, classify: rejected });
    const descriptor = Object.getOwnPropertyDescriptor(Orders.prototype, 'place')!;
    Object.defineProperty(
      Orders.prototype,
      'place',
      decorator(Orders.prototype, 'place', descriptor as any),
    );
    const error = await new Orders().place().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentFailureError);
    expect((error as PermanentFailureError).operation).toBe('Orders.place');
  });

  it('is honoured by pRetryOptions', async () => {
    const cause = new Error('-2010');
    const error = await pRetry(
      () => Promise.reject(cause),
      pRetryOptions({ classify: rejected, wrapFailures: true, clock: instantClock() }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentFailureError);
    expect((error as PermanentFailureError).cause).toBe(cause);
  });

  it('rejects a value that is not a boolean, naming the option and the value', async () => {
    await expect(
      retry(async () => 1, { wrapFailures: 'yes' as unknown as boolean }),
    ).rejects.toThrow(new TypeError('wrapFailures: expected a boolean, got "yes"'));
  });
});
