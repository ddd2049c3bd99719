import { Writable } from 'node:stream';
import util from 'node:util';
import fc from 'fast-check';
import pino from 'pino';
import { Headers as UndiciHeaders } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telegramAlert, webhookAlert, type AlertListener } from '../../src/alerts/index.js';
import {
  RetryExhaustedError,
  UnknownOutcomeError,
  constant,
  describeError,
  errSerializer,
  none,
  onExhausted,
  retry,
  serializeError,
  type Classifier,
} from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';
import { captureLogger } from '../helpers/log-capture.js';
import { buildCorpus, TX_HASH, type ClientFailure, type Corpus } from './client-errors.js';
import { startServer, type LocalServer } from './support.js';

/**
 * Secrets never leave tenacious, measured on real error objects: every real client (axios, got,
 * undici, fetch, the binance package, ccxt, ethers, viem) fails against a local server with
 * signed requests carrying an API key, an HMAC signature, a Bearer token, an RPC key in the path,
 * a Telegram bot token, a webhook secret and a private key (`client-errors.ts`). fast-check then
 * nests each real error into header arrays, `Headers`, `Map`s, cyclic causes, throwing getters
 * and labelled text carrying more secrets, and throws it through a real run with a real pino
 * logger and every alert adapter posting to a local server. No secret may appear in any log line,
 * alert body, error message, or `String`/`JSON.stringify`/`util.inspect`/pino (`errSerializer`)
 * output of the error tenacious throws.
 */

/** Labels a secret is nested under: venues' signing headers, auth headers, key and wallet fields. */
const LABELS = [
  'X-MBX-APIKEY',
  'OK-ACCESS-SIGN',
  'OK-ACCESS-PASSPHRASE',
  'X-BAPI-API-KEY',
  'X-BAPI-SIGN',
  'CB-ACCESS-SIGN',
  'KC-API-SIGN',
  'KC-API-PASSPHRASE',
  'API-Key',
  'API-Sign',
  'Authorization',
  'x-webhook-secret',
  'api_secret',
  'access_token',
  'signature',
  'privateKey',
  'PRIVATE_KEY',
  'mnemonic',
] as const;

type Nester = (inner: unknown, label: string, secret: string) => unknown;

const throwing = (message: string) => () => {
  throw new Error(message);
};

/** Ways an application, an SDK or a proxy wraps what a client threw. */
const NESTERS: Record<string, Nester> = {
  cause: (inner) => new Error('attempt failed', { cause: inner }),
  'cyclic cause': (inner, label, secret) => {
    const a = new Error(`${label}=${secret}`);
    const b = new Error('loop', { cause: a });
    Object.assign(a, { cause: b, original: inner });
    return new Error('wrapped', { cause: b });
  },
  'cause chain with a cycle through properties': (inner) => {
    const a = new Error('a', { cause: inner });
    const b = Object.assign(new Error('b', { cause: a }), { peer: a });
    Object.assign(a, { peer: b });
    return b;
  },
  'header array': (inner, label, secret) =>
    Object.assign(new Error('request failed', { cause: inner }), {
      rawHeaders: ['Accept', '*/*', label, secret],
    }),
  'header pairs': (inner, label, secret) =>
    Object.assign(new Error('request failed', { cause: inner }), {
      headers: [
        ['accept', 'application/json'],
        [label, secret],
      ],
    }),
  Headers: (inner, label, secret) =>
    Object.assign(new Error('request failed', { cause: inner }), {
      headers: new Headers({ [label]: secret }),
    }),
  "undici's Headers": (inner, label, secret) =>
    Object.assign(new Error('request failed', { cause: inner }), {
      request: { headers: new UndiciHeaders({ [label]: secret }) },
    }),
  Map: (inner, label, secret) =>
    Object.assign(new Error('request failed', { cause: inner }), {
      headers: new Map([[label, secret]]),
    }),
  'throwing getters': (inner, label, secret) => {
    const err = new Error('request failed', { cause: inner });
    Object.defineProperty(err, 'config', {
      enumerable: true,
      get: throwing(`cannot read config: ${label}=${secret}`),
    });
    const proxy = new Proxy(
      { [label]: secret },
      { get: throwing(`trap ${secret}`), ownKeys: throwing(`keys ${secret}`) },
    );
    return Object.assign(err, { details: proxy });
  },
  'throwing message getter': (inner, label, secret) => {
    const err = new Error('x', { cause: inner });
    Object.defineProperty(err, 'message', { get: throwing(`${label}: ${secret}`) });
    return err;
  },
  AggregateError: (inner) => new AggregateError([new Error('first try'), inner], 'all failed'),
  'error field of a plain object': (inner) => ({ message: 'request failed', error: inner }),
  'labelled text': (inner, label, secret) => new Error(`${label}: ${secret}`, { cause: inner }),
  'inspected object in a message': (inner, label, secret) =>
    new Error(`request ${util.inspect({ headers: { [label]: secret } })}`, { cause: inner }),
  'JSON body': (inner, label, secret) =>
    Object.assign(new Error('Bad Request', { cause: inner }), {
      response: { status: 400, data: JSON.stringify({ [label]: secret, symbol: 'BTCUSDT' }) },
    }),
  'query string': (inner, label, secret) =>
    new Error(`GET https://api.example.com/v1/private?nonce=1&${label}=${secret}`, {
      cause: inner,
    }),
};

let corpus: Corpus;
let alertServer: LocalServer;
let alerts: AlertListener[] = [];
const ALERT_TOKEN = '987654321:AAFixedAlertTokenForTheLocalServer0';

beforeAll(async () => {
  corpus = await buildCorpus();
  alertServer = await startServer();
  alerts = [
    telegramAlert({ botToken: ALERT_TOKEN, chatId: 1, apiBaseUrl: alertServer.url, throttleMs: 0 }),
    webhookAlert({ url: `${alertServer.url}/slack`, format: 'slack', throttleMs: 0 }),
    webhookAlert({ url: `${alertServer.url}/discord`, format: 'discord', throttleMs: 0 }),
    webhookAlert({ url: `${alertServer.url}/json`, format: 'json', throttleMs: 0 }),
  ];
}, 60_000);

afterAll(async () => {
  // For RELIABILITY.md: the failures, the nestings and the cases each check tried.
  console.info(
    `secrets fuzz: ${corpus.failures.length} real client failures (${new Set(corpus.failures.map((f) => f.client)).size} clients), ${Object.keys(NESTERS).length} nestings, ${LABELS.length} labels; ${tried.fuzz} fuzzed runs, ${tried.exhaustive} exhaustive cases`,
  );
  for (const alert of alerts) alert.stop();
  await alertServer?.close();
  await corpus?.close();
});

/** 16-character windows of a secret (every 8th): any 24 characters of a secret count as a leak. */
function leakedSecret(text: string): string | undefined {
  for (const secret of corpus.secrets) {
    for (let i = 0; i + 16 <= secret.length; i += 8) {
      if (text.includes(secret.slice(i, i + 16))) return secret;
    }
  }
  return undefined;
}

function expectNoLeak(outputs: Record<string, string>, label: string): void {
  for (const [output, text] of Object.entries(outputs)) {
    const secret = leakedSecret(text);
    expect(secret, `${output} of ${label} leaks ${secret}: ${text.slice(0, 2000)}`).toBeUndefined();
  }
}

// pino with tenacious's `errSerializer` (pino's own serializers print a cause's message, stack and
// fields as the client made them: docs/logging.md).
const pinoLines: string[] = [];
const pinoStream = new Writable({
  write(chunk: Buffer, _encoding, callback) {
    pinoLines.push(chunk.toString('utf8'));
    callback();
  },
});
const redactingPino = pino({ serializers: { err: errSerializer } }, pinoStream);

/** Everything printed about an error tenacious threw. */
function printed(error: unknown): Record<string, string> {
  pinoLines.length = 0;
  redactingPino.error({ err: error }, 'failed');
  redactingPino.error(error);
  return {
    message: String((error as Error)?.message),
    String: String(error),
    'JSON.stringify': JSON.stringify(error) ?? '',
    'util.inspect': util.inspect(error),
    'util.inspect (showHidden, depth 20)': util.inspect(error, { showHidden: true, depth: 20 }),
    'console-style %o': util.format('%o', error),
    'pino with errSerializer': pinoLines.join(''),
  };
}

const verdict =
  (action: 'retry' | 'unknown'): Classifier =>
  () => ({ action, reason: 'fuzz' });

/** Runs a failure through `retry` with a pino logger and (optionally) every alert subscribed. */
async function outputsOf(
  failure: ClientFailure,
  thrown: unknown,
  idempotent: boolean,
  withAlerts: boolean,
): Promise<{ outputs: Record<string, string>; rejection: unknown }> {
  const { logger, text } = captureLogger();
  const before = alertServer.requests.length;
  const stops = withAlerts ? alerts.map((alert) => onExhausted(alert)) : [];
  let rejection: unknown;
  try {
    await retry(
      async () => {
        if (failure.kind === 'value') return thrown;
        throw thrown;
      },
      {
        operation: 'place_order',
        maxAttempts: 2,
        backoff: none,
        clock: instantClock(),
        logger,
        idempotent,
        classify: [verdict(idempotent || failure.kind === 'value' ? 'retry' : 'unknown')],
      },
    );
  } catch (error) {
    rejection = error;
  } finally {
    for (const stop of stops) stop();
  }
  const outputs: Record<string, string> = { 'log lines': text() };
  for (const [how, out] of Object.entries(printed(rejection))) outputs[`rejection ${how}`] = out;
  if (withAlerts) {
    await Promise.all(alerts.map((alert) => alert.flush()));
    outputs['alert bodies'] = alertServer.requests
      .slice(before)
      .map((r) => r.body)
      .join('\n');
  }
  return { outputs, rejection };
}

/** The number of cases each property tried, for RELIABILITY.md. */
const tried = { fuzz: 0, exhaustive: 0 };

describe('secrets in real client errors', () => {
  it('built a failure for every client and scenario', () => {
    const clients = new Set(corpus.failures.map((f) => f.client));
    expect([...clients].sort()).toEqual([
      'axios',
      'binance',
      'ccxt',
      'ethers',
      'fetch',
      'got',
      'undici fetch',
      'undici.request',
      'viem',
    ]);
    // The binance client and ccxt signed their requests: those signatures are secrets too.
    expect(corpus.secrets.length).toBeGreaterThan(8);
  });

  it('never reach a log line, alert body, error message or printed error (fuzzed nesting)', async () => {
    const failures = fc.constantFrom(...corpus.failures);
    const nesting = fc.array(fc.constantFrom(...Object.keys(NESTERS)), { maxLength: 3 });
    await fc.assert(
      fc.asyncProperty(
        failures,
        nesting,
        fc.constantFrom(...LABELS),
        fc.constantFrom(...corpus.secrets),
        fc.boolean(),
        fc.boolean(),
        async (failure, nesters, label, secret, idempotent, withAlerts) => {
          tried.fuzz++;
          const thrown =
            failure.kind === 'value'
              ? failure.thrown
              : nesters.reduce((inner, n) => NESTERS[n]!(inner, label, secret), failure.thrown);
          const { outputs, rejection } = await outputsOf(failure, thrown, idempotent, withAlerts);
          expect(rejection).toBeInstanceOf(
            idempotent || failure.kind === 'value' ? RetryExhaustedError : UnknownOutcomeError,
          );
          expectNoLeak(
            outputs,
            `${failure.client} ${failure.scenario}${nesters.map((n) => ` in ${n}`).join('')} (${label})`,
          );
        },
      ),
      { numRuns: 80 },
    );
  });

  it('never reach serializeError, describeError or a printed error, for every failure and nesting', () => {
    const nestings = [['none', (x: unknown) => x] as const, ...Object.entries(NESTERS)];
    for (const failure of corpus.failures) {
      for (const [name, nest] of nestings) {
        // Labels and secrets rotate, so that every label meets every failure across the nestings.
        const label = LABELS[tried.exhaustive % LABELS.length]!;
        const secret = corpus.secrets[tried.exhaustive % corpus.secrets.length]!;
        tried.exhaustive++;
        const thrown =
          failure.kind === 'value' ? failure.thrown : nest(failure.thrown, label, secret);
        const error = new RetryExhaustedError({
          operation: 'place_order',
          attempts: 3,
          elapsedMs: 1200,
          reason: 'attempts',
          cause: thrown,
        });
        expectNoLeak(
          {
            serializeError: JSON.stringify(serializeError(thrown)),
            describeError: describeError(thrown),
            'JSON.stringify': JSON.stringify(error),
            // util.inspect formats stacks (slow under source maps): every 4th case here, and
            // every case of the fuzz above.
            'util.inspect': tried.exhaustive % 4 === 0 ? util.inspect(error) : '',
          },
          `${failure.client} ${failure.scenario} in ${name} (${label})`,
        );
      }
    }
  });

  it('keep the cause object itself as the client made it', async () => {
    const failure = corpus.failures.find((f) => f.client === 'axios')!;
    const before = util.inspect(failure.thrown, { depth: 4 });
    const { rejection } = await outputsOf(failure, failure.thrown, true, false);
    expect((rejection as RetryExhaustedError).cause).toBe(failure.thrown);
    expect(util.inspect(failure.thrown, { depth: 4 })).toBe(before);
  });

  it('keep a transaction hash readable', () => {
    const error = new RetryExhaustedError({
      operation: 'send_transaction',
      attempts: 2,
      elapsedMs: 10,
      reason: 'attempts',
      cause: Object.assign(new Error(`transaction ${TX_HASH} not mined`), { hash: TX_HASH }),
    });
    expect(JSON.stringify(error)).toContain(TX_HASH);
    expect(util.inspect(error)).toContain(TX_HASH);
    expect(JSON.stringify(serializeError(error.cause))).toContain(TX_HASH);
  });

  it('log a failed axios call in a compact line (mean <= 600 bytes)', async () => {
    const sizes: number[] = [];
    let warn: Record<string, unknown> | undefined;
    for (const failure of corpus.failures.filter((f) => f.client === 'axios')) {
      const { logger, lines, records } = captureLogger();
      await retry(
        async () => {
          throw failure.thrown;
        },
        {
          operation: 'place_order',
          maxAttempts: 3,
          backoff: constant(1000),
          clock: instantClock(),
          logger,
        },
      ).catch(() => {});
      sizes.push(...lines.map((line) => Buffer.byteLength(line)));
      if (failure.scenario === 'signed GET, 503') {
        warn = records()[0];
        // The README's logging section shows this line.
        console.info(`axios warn line: ${lines[0]}`);
      }
    }
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    console.info(
      `axios log lines: ${sizes.length} lines, mean ${Math.round(mean)} bytes, max ${Math.max(...sizes)} bytes`,
    );
    expect(mean).toBeLessThanOrEqual(600);
    expect(warn).toMatchObject({
      level: 40,
      operation: 'place_order',
      attempt: 1,
      maxAttempts: 3,
      err: {
        type: 'AxiosError',
        message: 'Request failed with status code 503',
        code: 'ERR_BAD_RESPONSE',
        status: 503,
        method: 'GET',
        url: expect.stringMatching(
          /\/api\/v3\/order\?symbol=BTCUSDT&timestamp=1700000000000&signature=\[REDACTED\]$/,
        ),
        body: { code: -1003, msg: 'Too much request weight used' },
      },
    });
  });
});
