import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telegramAlert, webhookAlert, type AlertListener } from '../../src/alerts/index.js';
import { awsClassifier } from '../../src/aws/index.js';
import { binanceClassifier, binanceWeightTracker } from '../../src/binance/index.js';
import { ccxtClassifier } from '../../src/ccxt/index.js';
import { dexClassifier, DexTimeoutError, jsonRpcClassifier } from '../../src/dex/index.js';
import { httpClassifier } from '../../src/http/index.js';
import {
  defaultClassifier,
  failOn,
  none,
  retry,
  RetryExhaustedError,
  retryOn,
  UnknownOutcomeError,
  unknownOn,
  type Classifier,
  type ExhaustedEvent,
  type Verdict,
} from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';
import { captureLogger } from '../helpers/log-capture.js';
import {
  cyclicCauseChain,
  hostileValues,
  revokedProxy,
  throwingGetters,
  throwingProxy,
} from './arbitraries.js';
import { startServer, type LocalServer } from './support.js';

/**
 * Hostile thrown values (primitives, null, frozen objects, throwing getters, cycles, proxies,
 * cyclic and endless cause chains, 1 MB messages) never crash a classifier, the logger path or
 * an alert. Classifiers return a valid verdict or none. How long a classification takes on
 * such input is measured in classify-cost.heavy.test.ts, away from the fast suite's load.
 */

class NetworkError extends Error {}
class BusinessError extends Error {}

/** Every classifier the package exports, as built by a user. */
const CLASSIFIERS: Record<string, () => Classifier> = {
  defaultClassifier: () => defaultClassifier,
  'retryOn(classes, predicate)': () =>
    retryOn(NetworkError, RangeError, (e) => typeof e === 'string' && e.startsWith('retry')),
  'failOn(classes)': () => failOn(BusinessError, TypeError),
  'unknownOn(classes)': () => unknownOn(DexTimeoutError),
  httpClassifier: () => httpClassifier(),
  awsClassifier: () => awsClassifier(),
  binanceClassifier: () => binanceClassifier(),
  'binanceClassifier({ tracker })': () =>
    binanceClassifier({ tracker: binanceWeightTracker({ limit: 6000, clock: instantClock() }) }),
  ccxtClassifier: () => ccxtClassifier(),
  dexClassifier: () => dexClassifier(),
  jsonRpcClassifier: () => jsonRpcClassifier(),
};
const NAMES = Object.keys(CLASSIFIERS);

/** Reasons are short `domain:detail` strings. */
const MAX_REASON = 200;

function expectVerdictOrNone(verdict: unknown): asserts verdict is Verdict | undefined {
  if (verdict === undefined) return;
  expect(typeof verdict).toBe('object');
  const { action, reason, retryAfterMs } = verdict as Verdict;
  expect(['retry', 'fail', 'unknown']).toContain(action);
  expect(typeof reason).toBe('string');
  expect(reason.length).toBeGreaterThan(0);
  expect(reason.length).toBeLessThanOrEqual(MAX_REASON);
  if (retryAfterMs !== undefined) {
    expect(Number.isFinite(retryAfterMs) && retryAfterMs >= 0).toBe(true);
  }
}

describe('every classifier', () => {
  it.each(NAMES)('returns a valid verdict or none for any thrown value: %s', (name) => {
    const classify = CLASSIFIERS[name]!();
    fc.assert(
      fc.property(hostileValues, (h) => {
        const error = h.make();
        expectVerdictOrNone(classify({ ok: false, error }));
      }),
      { numRuns: 100 },
    );
  });

  it.each(NAMES)('returns a valid verdict or none for any returned value: %s', (name) => {
    const classify = CLASSIFIERS[name]!();
    fc.assert(
      fc.property(hostileValues, (h) => {
        const value = h.make();
        expectVerdictOrNone(classify({ ok: true, value }));
      }),
      { numRuns: 100 },
    );
  });

  it.each(NAMES)('gives the same verdict twice for a frozen error: %s', (name) => {
    const classify = CLASSIFIERS[name]!();
    const error = Object.freeze(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    expect(classify({ ok: false, error })).toEqual(classify({ ok: false, error }));
  });
});

// `instanceof` on a Proxy runs its getPrototypeOf trap, and recognising a network error reads
// `message`: the core classifiers must survive both throwing.
describe('the core classifiers on hostile proxies and getters', () => {
  const cases: Record<string, () => unknown> = {
    'a Proxy whose traps throw': () => throwingProxy(),
    'a revoked Proxy': () => revokedProxy(),
    'a TypeError whose message getter throws': () =>
      throwingGetters(new TypeError('x'), ['message']),
  };
  const core: Record<string, Classifier> = {
    defaultClassifier,
    retryOn: retryOn(NetworkError),
    failOn: failOn(BusinessError),
    unknownOn: unknownOn(DexTimeoutError),
  };
  const rows = Object.keys(core).flatMap((classifier) =>
    Object.keys(cases).map((value) => ({ classifier, value })),
  );

  it.each(rows)('$classifier does not throw on $value', ({ classifier, value }) => {
    expect(() => core[classifier]!({ ok: false, error: cases[value]!() })).not.toThrow();
  });

  it('retry() rejects with RetryExhaustedError, not the trap error, when a Proxy is thrown', async () => {
    const proxy = throwingProxy();
    const error = await retry(
      () => {
        throw proxy;
      },
      { maxAttempts: 2, backoff: none, clock: instantClock() },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect((error as RetryExhaustedError).cause).toBe(proxy);
  });
});

describe('the logger path (retry with a real pino logger)', () => {
  const lists: Record<string, () => Classifier[] | undefined> = {
    'the default rule': () => undefined,
    'http, binance, ccxt': () => [httpClassifier(), binanceClassifier(), ccxtClassifier()],
    'aws, dex, json-rpc': () => [awsClassifier(), dexClassifier(), jsonRpcClassifier()],
  };

  it.each(Object.keys(lists))(
    'settles with the thrown value or its exhaustion and logs valid JSON lines (%s)',
    async (list) => {
      await fc.assert(
        fc.asyncProperty(hostileValues, fc.boolean(), async (h, idempotent) => {
          const thrown = h.make();
          const { logger, lines } = captureLogger();
          const classify = lists[list]!();
          const settled = await retry(
            () => {
              throw thrown;
            },
            {
              maxAttempts: 2,
              backoff: none,
              clock: instantClock(),
              logger,
              idempotent,
              ...(classify === undefined ? {} : { classify }),
            },
          ).then(
            () => ({ rejected: false, error: undefined as unknown }),
            (error: unknown) => ({ rejected: true, error }),
          );
          expect(settled.rejected).toBe(true);
          const { error } = settled;
          // A fail verdict rejects with the value itself; anything else ends in exhaustion or,
          // for a non-idempotent unknown outcome, UnknownOutcomeError. Never another error.
          const acceptable =
            Object.is(error, thrown) ||
            (error instanceof RetryExhaustedError && Object.is(error.cause, thrown)) ||
            (error instanceof UnknownOutcomeError && Object.is(error.cause, thrown));
          expect(acceptable).toBe(true);
          for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
          if (error instanceof RetryExhaustedError) {
            // One warn for the retry, one error for the exhaustion.
            expect(lines).toHaveLength(2);
          }
        }),
        { numRuns: 100 },
      );
    },
  );
});

// An own `stack` property that is not a string must reach the log as something printable: pino's
// err serializer builds the stack by string concatenation, and an object there would throw
// "Cannot convert object to primitive value" and lose the log line.
describe('an error whose stack property is not a string', () => {
  it('is still logged on retry and on exhaustion when it has a cause', async () => {
    const { logger, lines } = captureLogger();
    const error = new Error('upstream failed', { cause: new Error('socket hang up') });
    Object.defineProperty(error, 'stack', {
      value: new Error('a stack that is an error'),
      enumerable: true,
      configurable: true,
      writable: true,
    });
    const rejection = await retry(
      () => {
        throw error;
      },
      { maxAttempts: 2, backoff: none, clock: instantClock(), logger },
    ).catch((e: unknown) => e);
    expect(rejection).toBeInstanceOf(RetryExhaustedError);
    expect(lines).toHaveLength(2);
  });
});

describe('the alert adapters', () => {
  const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
  let server: LocalServer;

  beforeAll(async () => {
    server = await startServer();
  });

  afterAll(async () => {
    await server.close();
  });

  const adapters: Record<string, () => AlertListener> = {
    telegram: () =>
      telegramAlert({ botToken: TOKEN, chatId: 1, apiBaseUrl: server.url, throttleMs: 0 }),
    'webhook slack': () => webhookAlert({ url: `${server.url}/s`, format: 'slack', throttleMs: 0 }),
    'webhook discord': () =>
      webhookAlert({ url: `${server.url}/d`, format: 'discord', throttleMs: 0 }),
    'webhook json': () => webhookAlert({ url: `${server.url}/j`, format: 'json', throttleMs: 0 }),
  };

  function event(error: unknown): ExhaustedEvent {
    return {
      operation: 'hostile_op',
      attempts: 4,
      elapsedMs: 7200,
      error,
      verdict: { action: 'retry', reason: 'unclassified' },
      reason: 'attempts',
    };
  }

  it.each(Object.keys(adapters))(
    'build and deliver a message for any thrown value: %s',
    async (name) => {
      const alert = adapters[name]!();
      try {
        await fc.assert(
          fc.asyncProperty(hostileValues, async (h) => {
            const error = h.make();
            const before = server.requests.length;
            expect(() => alert(event(error))).not.toThrow();
            await alert.flush();
            expect(server.requests.length - before).toBe(1);
            const body = server.requests.at(-1)!.body;
            expect(body).toContain('hostile_op');
            expect(() => JSON.parse(body) as unknown).not.toThrow();
          }),
          { numRuns: 60 },
        );
      } finally {
        alert.stop();
      }
    },
  );

  it('delivers a message for an error whose cause chain loops (telegram)', async () => {
    const alert = adapters.telegram!();
    const before = server.requests.length;
    alert(event(cyclicCauseChain(3)));
    await alert.flush();
    alert.stop();
    expect(server.requests.length - before).toBe(1);
    expect(server.requests.at(-1)!.body).toContain('Error: cycle 0');
  });
});
