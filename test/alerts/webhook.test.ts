import { afterEach, describe, expect, it } from 'vitest';
import { webhookAlert, onAlertDelivery, type AlertDeliveryEvent } from '../../src/alerts/index.js';
import { constant, onExhausted, retry, RetryExhaustedError } from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';
import { captureLogger } from '../helpers/log-capture.js';
import { ExchangeError, json, manualClock, startServer, T0, type TestServer } from './support.js';

let server: TestServer | undefined;
const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await server?.close();
  server = undefined;
});

function subscribe(alert: Parameters<typeof onExhausted>[0] & { stop(): void }) {
  cleanups.push(onExhausted(alert), () => alert.stop());
}

function exhaust(
  operation = 'place_order',
  error: unknown = new ExchangeError('insufficient liquidity'),
) {
  return retry(
    () => {
      throw error;
    },
    { operation, maxAttempts: 3, backoff: constant(100), clock: instantClock() },
  ).then(
    () => {
      throw new Error('the run was expected to give up');
    },
    (rejection: unknown) => rejection,
  );
}

const SLACK_PATH = '/services/T0001/B0002/XyZsecretPart123456';
const SECRET_HEADER = 'Bearer s3cr3t-webhook-credential-9f8e7d';

describe('webhookAlert', () => {
  it('posts { text } in the slack format, escaping &, < and >', async () => {
    server = await startServer((_req, res) => res.writeHead(200).end('ok'));
    const alert = webhookAlert({
      url: `${server.url}${SLACK_PATH}`,
      format: 'slack',
      clock: instantClock(T0),
      hostname: 'trader-1',
    });
    subscribe(alert);

    await exhaust('place_order', new ExchangeError('price <0 & size >1'));
    await alert.flush();

    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.path).toBe(SLACK_PATH);
    expect(server.requests[0]!.json).toEqual({
      text: [
        '⚠️ place_order gave up',
        'Error: ExchangeError: price &lt;0 &amp; size &gt;1',
        'Attempts: 3 in 200 ms',
        'Verdict: unknown (unclassified)',
        'Gave up: attempts (no attempts left)',
        'Host: trader-1',
        'Time: 2024-05-01T10:02:03.000Z',
      ].join('\n'),
    });
  });

  it('posts { content } in the discord format with mentions disabled', async () => {
    server = await startServer((_req, res) => res.writeHead(204).end());
    const alert = webhookAlert({
      url: `${server.url}/api/webhooks/123/tok`,
      format: 'discord',
      clock: instantClock(T0),
      hostname: 'trader-1',
    });
    subscribe(alert);

    await exhaust('place_order', new ExchangeError('@everyone look'));
    await alert.flush();

    expect(server.requests[0]!.json).toEqual({
      content: [
        '⚠️ place_order gave up',
        'Error: ExchangeError: @everyone look',
        'Attempts: 3 in 200 ms',
        'Verdict: unknown (unclassified)',
        'Gave up: attempts (no attempts left)',
        'Host: trader-1',
        'Time: 2024-05-01T10:02:03.000Z',
      ].join('\n'),
      allowed_mentions: { parse: [] },
    });
  });

  it('posts the event as data in the json format', async () => {
    server = await startServer();
    const alert = webhookAlert({
      url: `${server.url}/hooks/retry`,
      format: 'json',
      clock: instantClock(T0),
      hostname: 'trader-1',
    });
    subscribe(alert);
    const error = Object.assign(new ExchangeError('rejected: apiKey=AKIAxyz123'), { code: -2010 });

    await exhaust('place_order', error);
    await alert.flush();

    const body = server.requests[0]!.json;
    expect(body).toMatchObject({
      kind: 'exhausted',
      operation: 'place_order',
      attempts: 3,
      elapsedMs: 200,
      reason: 'attempts',
      verdict: { action: 'unknown', reason: 'unclassified' },
      error: { type: 'ExchangeError', message: 'rejected: apiKey=[REDACTED]', code: -2010 },
      host: 'trader-1',
      time: '2024-05-01T10:02:03.000Z',
      suppressed: 0,
    });
    expect(Object.keys(body).sort()).toEqual(
      [
        'attempts',
        'elapsedMs',
        'error',
        'host',
        'kind',
        'operation',
        'reason',
        'suppressed',
        'time',
        'verdict',
      ].sort(),
    );
  });

  it('carries the suppressed count and its start in the json format', async () => {
    server = await startServer();
    const clock = manualClock();
    const alert = webhookAlert({ url: `${server.url}/hook`, format: 'json', clock });
    subscribe(alert);

    await exhaust();
    await clock.advance(5000);
    await exhaust();
    await exhaust();
    await clock.advance(55_000);
    await alert.flush();

    expect(server.requests.map((r) => [r.json.suppressed, r.json.suppressedSince])).toEqual([
      [0, undefined],
      [2, '2024-05-01T10:02:08.000Z'],
    ]);
  });

  it('sends custom headers', async () => {
    server = await startServer();
    const alert = webhookAlert({
      url: `${server.url}/hook`,
      format: 'json',
      headers: { Authorization: SECRET_HEADER, 'X-Team': 'desk-7' },
      throttleMs: 0,
    });
    subscribe(alert);

    await exhaust();
    await alert.flush();

    expect(server.requests[0]!.headers.authorization).toBe(SECRET_HEADER);
    expect(server.requests[0]!.headers['x-team']).toBe('desk-7');
    expect(server.requests[0]!.headers['content-type']).toBe('application/json');
  });

  it('never logs header values or the webhook URL path', async () => {
    // The endpoint echoes what it received into its error body, the worst case for a log line.
    server = await startServer((req, res) =>
      json(res, 500, { error: `auth ${String(req.headers.authorization)} on ${req.path}` }),
    );
    const log = captureLogger('debug');
    const alert = webhookAlert({
      url: `${server.url}${SLACK_PATH}`,
      format: 'slack',
      headers: { Authorization: SECRET_HEADER },
      clock: instantClock(),
      throttleMs: 0,
      logger: log.logger,
    });
    subscribe(alert);

    await exhaust();
    await alert.flush();

    expect(server.requests).toHaveLength(3);
    expect(log.records().map((r) => r.msg)).toEqual(['tenacious: alert delivery failed']);
    expect(log.records()[0]).toMatchObject({
      channel: 'webhook:slack',
      endpoint: server.url,
      reason: 'http:500',
    });
    expect(log.text()).not.toContain('s3cr3t-webhook-credential');
    expect(log.text()).not.toContain('XyZsecretPart123456');
  });

  it('never lets a 500 reach the caller', async () => {
    server = await startServer((_req, res) => res.writeHead(500).end('boom'));
    const alert = webhookAlert({
      url: `${server.url}/hook`,
      format: 'json',
      clock: instantClock(),
      throttleMs: 0,
      logger: captureLogger().logger,
    });
    subscribe(alert);
    const original = new ExchangeError('insufficient liquidity');

    const rejection = await exhaust('place_order', original);
    await alert.flush();

    expect(rejection).toBeInstanceOf(RetryExhaustedError);
    expect((rejection as RetryExhaustedError).cause).toBe(original);
    expect(server.requests).toHaveLength(3);
  });

  it('survives an async logger that rejects: no unhandled rejection, the caller’s result kept', async () => {
    server = await startServer((_req, res) => res.writeHead(500).end('boom'));
    const logged: string[] = [];
    const rejecting = (_fields: object, message: string) => {
      logged.push(message);
      return Promise.reject(new Error('log sink down'));
    };
    const logger = { debug: rejecting, info: rejecting, warn: rejecting, error: rejecting };
    const alert = webhookAlert({
      url: `${server.url}/hook`,
      format: 'json',
      clock: instantClock(),
      throttleMs: 0,
      logger,
    });
    subscribe(alert);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const rejection = await exhaust();
      await alert.flush();
      // Node reports an unhandled rejection once the microtask queue has drained.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));

      expect(rejection).toBeInstanceOf(RetryExhaustedError);
      expect(logged).toContain('tenacious: alert delivery failed');
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('honours a Retry-After header on 429', async () => {
    server = await startServer((_req, res, index) =>
      index === 0
        ? res.writeHead(429, { 'retry-after': '3' }).end('rate_limited')
        : res.writeHead(200).end('ok'),
    );
    const clock = instantClock();
    const alert = webhookAlert({
      url: `${server.url}/hook`,
      format: 'slack',
      clock,
      throttleMs: 0,
    });
    subscribe(alert);

    await exhaust();
    await alert.flush();

    expect(clock.sleeps).toEqual([3000]);
    expect(server.requests).toHaveLength(2);
  });

  it("honours Discord's retry_after body field on 429", async () => {
    server = await startServer((_req, res, index) =>
      index === 0
        ? json(res, 429, {
            message: 'You are being rate limited.',
            retry_after: 1.25,
            global: false,
          })
        : res.writeHead(204).end(),
    );
    const clock = instantClock();
    const alert = webhookAlert({
      url: `${server.url}/hook`,
      format: 'discord',
      clock,
      throttleMs: 0,
    });
    subscribe(alert);

    await exhaust();
    await alert.flush();

    expect(clock.sleeps).toEqual([1250]);
  });

  it('counts deliveries under webhook:<format>', async () => {
    server = await startServer();
    const outcomes: AlertDeliveryEvent[] = [];
    cleanups.push(onAlertDelivery((event) => outcomes.push(event)));
    const alert = webhookAlert({ url: `${server.url}/hook`, format: 'json', throttleMs: 0 });
    subscribe(alert);

    await exhaust();
    await alert.flush();

    expect(outcomes.map((o) => [o.channel, o.ok])).toEqual([['webhook:json', true]]);
  });
});

describe('webhookAlert configuration', () => {
  it('rejects an unknown format', () => {
    expect(() =>
      webhookAlert({ url: 'https://example.com/hook', format: 'teams' as never }),
    ).toThrow(
      new RangeError("webhookAlert: format: expected 'slack', 'discord' or 'json', got \"teams\""),
    );
  });

  it('rejects a missing format', () => {
    expect(() => webhookAlert({ url: 'https://example.com/hook' } as never)).toThrow(
      new TypeError("webhookAlert: format: expected 'slack', 'discord' or 'json', got undefined"),
    );
  });

  it('rejects an invalid url, showing only its start', () => {
    expect(() =>
      webhookAlert({ url: 'htps://hooks.slack.com/services/T/B/secret', format: 'slack' }),
    ).toThrow(
      new TypeError(
        'webhookAlert: url: expected an absolute http:// or https:// URL, got "htps://hooks.sla…"',
      ),
    );
  });

  it('rejects a non-string header value without showing it', () => {
    expect(() =>
      webhookAlert({
        url: 'https://example.com/hook',
        format: 'json',
        headers: { 'X-Key': 12345 as never },
      }),
    ).toThrow(
      new TypeError(
        'webhookAlert: headers: expected the value of "X-Key" to be a string without line breaks, got a number',
      ),
    );
  });

  it('rejects a header value with a line break without showing it', () => {
    expect(() =>
      webhookAlert({
        url: 'https://example.com/hook',
        format: 'json',
        headers: { 'X-Key': 'abc\r\nX-Evil: 1' },
      }),
    ).toThrow(
      new TypeError(
        'webhookAlert: headers: expected the value of "X-Key" to be a string without line breaks, got a string with a line break',
      ),
    );
  });

  it('rejects an attemptTimeoutMs a timer cannot hold', () => {
    expect(() =>
      webhookAlert({ url: 'https://example.com/hook', format: 'json', attemptTimeoutMs: 2 ** 31 }),
    ).toThrow(
      new RangeError(
        'webhookAlert: attemptTimeoutMs: expected a number > 0 and <= 2147483647, got 2147483648',
      ),
    );
  });

  it('rejects a negative throttleMs', () => {
    expect(() =>
      webhookAlert({ url: 'https://example.com/hook', format: 'json', throttleMs: -5 }),
    ).toThrow(new RangeError('webhookAlert: throttleMs: expected a number >= 0, got -5'));
  });
});
