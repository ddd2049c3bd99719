import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { onAlertDelivery, telegramAlert, type AlertDeliveryEvent } from '../../src/alerts/index.js';
import { ConfigError } from '../../src/config/index.js';
import { constant, onExhausted, retry, RetryExhaustedError } from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';
import { captureLogger } from '../helpers/log-capture.js';
import { ExchangeError, json, manualClock, startServer, T0, type TestServer } from './support.js';
import { captureWarnings } from '../helpers/warnings.js';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const CHAT = -1001234567890;

let server: TestServer | undefined;
const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await server?.close();
  server = undefined;
});

/** Subscribes `alert` for this test only. */
function subscribe(alert: Parameters<typeof onExhausted>[0] & { stop(): void }) {
  cleanups.push(onExhausted(alert), () => alert.stop());
}

/** A real run that gives up after 2 attempts, 250 ms apart (instant clock). Resolves with its rejection. */
function exhaust(
  operation = 'place_order',
  error: unknown = new ExchangeError('insufficient liquidity'),
) {
  return retry(
    () => {
      throw error;
    },
    { operation, maxAttempts: 2, backoff: constant(250), clock: instantClock() },
  ).then(
    () => {
      throw new Error('the run was expected to give up');
    },
    (rejection: unknown) => rejection,
  );
}

describe('telegramAlert', () => {
  it('posts one sendMessage per exhaustion with a readable message', async () => {
    server = await startServer();
    const alert = telegramAlert({
      botToken: TOKEN,
      chatId: CHAT,
      apiBaseUrl: server.url,
      clock: instantClock(T0),
      hostname: 'trader-1',
    });
    subscribe(alert);

    await exhaust();
    await alert.flush();

    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe(`/bot${TOKEN}/sendMessage`);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.json).toEqual({
      chat_id: CHAT,
      text: [
        '⚠️ place_order gave up',
        'Error: ExchangeError: insufficient liquidity',
        'Attempts: 2 in 250 ms',
        'Verdict: unknown (unclassified)',
        'Gave up: attempts (no attempts left)',
        'Host: trader-1',
        'Time: 2024-05-01T10:02:03.000Z',
      ].join('\n'),
    });
  });

  it('sends a message for every distinct exhaustion', async () => {
    server = await startServer();
    const alert = telegramAlert({
      botToken: TOKEN,
      chatId: CHAT,
      apiBaseUrl: server.url,
      clock: manualClock(),
    });
    subscribe(alert);

    await exhaust('place_order');
    await exhaust('cancel_order');
    await exhaust('place_order', new RangeError('bad size'));
    await alert.flush();

    expect(server.requests.map((r) => (r.json.text as string).split('\n')[0])).toEqual([
      '⚠️ place_order gave up',
      '⚠️ cancel_order gave up',
      '⚠️ place_order gave up',
    ]);
  });

  it('returns nothing, synchronously, from the listener', async () => {
    server = await startServer();
    const alert = telegramAlert({
      botToken: TOKEN,
      chatId: CHAT,
      apiBaseUrl: server.url,
      throttleMs: 0,
    });
    const event = {
      operation: 'get_ticker',
      attempts: 3,
      elapsedMs: 1200,
      error: new Error('x'),
      verdict: { action: 'retry' as const, reason: 'http:503' },
      reason: 'attempts' as const,
    };

    const returned: unknown = alert(event);
    await alert.flush();

    expect(returned).toBeUndefined();
    expect(server.requests).toHaveLength(1);
  });

  it('redacts secrets in the error, the bot token included', async () => {
    server = await startServer();
    const alert = telegramAlert({
      botToken: TOKEN,
      chatId: CHAT,
      apiBaseUrl: server.url,
      throttleMs: 0,
    });
    subscribe(alert);

    // A custom-format token the generic patterns would miss must go too: it is a literal secret.
    await exhaust(
      'notify',
      new Error(
        `POST /api/v3/order?symbol=BTCUSDT&signature=abc123def failed; token ${TOKEN} rejected`,
      ),
    );
    await alert.flush();

    const text = server.requests[0]!.json.text as string;
    expect(text).toContain(
      'Error: Error: POST /api/v3/order?symbol=BTCUSDT&signature=[REDACTED] failed',
    );
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('abc123def');
  });

  it('summarises repeats held back by throttling when the window closes', async () => {
    server = await startServer();
    const clock = manualClock();
    const alert = telegramAlert({
      botToken: TOKEN,
      chatId: CHAT,
      apiBaseUrl: server.url,
      clock,
      throttleMs: 60_000,
    });
    subscribe(alert);

    await exhaust();
    await clock.advance(1000);
    for (let i = 0; i < 4; i++) await exhaust();
    await clock.advance(59_000);
    await alert.flush();

    expect(server.requests).toHaveLength(2);
    const summary = server.requests[1]!.json.text as string;
    expect(summary.split('\n')[0]).toBe('⚠️ place_order gave up');
    expect(summary.split('\n').at(-1)).toBe(
      'Held back: 4 similar alerts since 10:02:04 UTC (this message shows the latest)',
    );
  });

  it('sends the pending summary on flush', async () => {
    server = await startServer();
    const alert = telegramAlert({
      botToken: TOKEN,
      chatId: CHAT,
      apiBaseUrl: server.url,
      clock: manualClock(),
    });
    subscribe(alert);

    for (let i = 0; i < 15; i++) await exhaust();
    await alert.flush();

    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.json.text).toContain(
      'Held back: 14 similar alerts since 10:02:03 UTC',
    );
  });

  it("waits for Telegram's 429 retry_after before delivering again", async () => {
    server = await startServer((_req, res, index) =>
      index === 0
        ? json(res, 429, {
            ok: false,
            error_code: 429,
            description: 'Too Many Requests: retry after 7',
            parameters: { retry_after: 7 },
          })
        : json(res, 200, { ok: true }),
    );
    const clock = instantClock();
    const alert = telegramAlert({
      botToken: TOKEN,
      chatId: CHAT,
      apiBaseUrl: server.url,
      clock,
      throttleMs: 0,
    });
    subscribe(alert);

    await exhaust();
    await alert.flush();

    expect(clock.sleeps).toEqual([7000]);
    expect(server.requests).toHaveLength(2);
  });

  it('never lets a 500 reach the caller: the run rejects with its own error and flush resolves', async () => {
    server = await startServer((_req, res) =>
      json(res, 500, { ok: false, description: 'Internal Server Error' }),
    );
    const clock = instantClock();
    const log = captureLogger();
    const alert = telegramAlert({
      botToken: TOKEN,
      chatId: CHAT,
      apiBaseUrl: server.url,
      clock,
      throttleMs: 0,
      logger: log.logger,
    });
    subscribe(alert);
    const original = new ExchangeError('insufficient liquidity');
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    cleanups.push(() => process.off('unhandledRejection', onUnhandled));

    const rejection = await exhaust('place_order', original);
    await alert.flush();
    await new Promise((resolve) => setImmediate(resolve));

    expect(rejection).toBeInstanceOf(RetryExhaustedError);
    expect((rejection as RetryExhaustedError).cause).toBe(original);
    expect(server.requests).toHaveLength(3);
    expect(clock.sleeps).toEqual([500, 1000]);
    expect(unhandled).toEqual([]);
    const failures = log.records().filter((r) => r.msg === 'tenacious: alert delivery failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      level: 50,
      channel: 'telegram',
      endpoint: server.url,
      operation: 'place_order',
      attempts: 3,
      reason: 'http:500',
    });
  });

  it('abandons a hanging endpoint after attemptTimeoutMs without holding the caller', async () => {
    server = await startServer(() => {
      // Never answers.
    });
    const log = captureLogger();
    const alert = telegramAlert({
      botToken: TOKEN,
      chatId: CHAT,
      apiBaseUrl: server.url,
      clock: instantClock(),
      throttleMs: 0,
      attemptTimeoutMs: 40,
      logger: log.logger,
    });
    subscribe(alert);

    const rejection = await exhaust();
    expect(rejection).toBeInstanceOf(RetryExhaustedError);
    await alert.flush();

    // Every attempt timed out. (The server may have seen fewer than 3 requests: on a busy
    // machine an attempt can time out before its request arrives.)
    expect(server.requests.length).toBeLessThanOrEqual(3);
    expect(log.records().find((r) => r.msg === 'tenacious: alert delivery failed')).toMatchObject({
      attempts: 3,
      reason: 'attempt-timeout',
    });
  });

  it('gives up at once when retry_after is longer than a minute', async () => {
    server = await startServer((_req, res) =>
      json(res, 429, { ok: false, error_code: 429, parameters: { retry_after: 3600 } }),
    );
    const clock = instantClock();
    const log = captureLogger();
    const alert = telegramAlert({
      botToken: TOKEN,
      chatId: CHAT,
      apiBaseUrl: server.url,
      clock,
      throttleMs: 0,
      logger: log.logger,
    });
    subscribe(alert);

    await exhaust();
    await alert.flush();

    expect(server.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
    expect(log.records()[0]).toMatchObject({
      reason: 'http:429',
      err: { reason: 'retry-after-too-long' },
    });
  });

  it('reports a failed delivery as a process warning when no logger is given, token redacted', async () => {
    server = await startServer((req, res) =>
      json(res, 401, { ok: false, description: `Unauthorized ${req.path}` }),
    );
    const warnings = captureWarnings();
    const alert = telegramAlert({
      botToken: TOKEN,
      chatId: CHAT,
      apiBaseUrl: server.url,
      throttleMs: 0,
    });
    subscribe(alert);

    await exhaust();
    await alert.flush();
    await new Promise((resolve) => setImmediate(resolve));

    const ours = warnings.filter((w) => w.name === 'TenaciousWarning');
    expect(ours).toHaveLength(1);
    expect(ours[0]!.message).toBe(
      'tenacious: telegram alert about place_order not delivered after 1 attempt(s) (http:401): AlertDeliveryError: telegram answered HTTP 401: Unauthorized /bot[REDACTED]/sendMessage',
    );
  });

  it('does not retry a 400 such as "chat not found"', async () => {
    server = await startServer((_req, res) =>
      json(res, 400, { ok: false, error_code: 400, description: 'Bad Request: chat not found' }),
    );
    const log = captureLogger();
    const alert = telegramAlert({
      botToken: TOKEN,
      chatId: CHAT,
      apiBaseUrl: server.url,
      clock: instantClock(),
      throttleMs: 0,
      logger: log.logger,
    });
    subscribe(alert);

    await exhaust();
    await alert.flush();

    expect(server.requests).toHaveLength(1);
    const failure = log.records().find((r) => r.msg === 'tenacious: alert delivery failed');
    expect(failure).toMatchObject({ attempts: 1, reason: 'http:400' });
    expect(failure!.err.message).toBe('telegram answered HTTP 400: Bad Request: chat not found');
  });

  it('never writes the bot token to a log line', async () => {
    // The server echoes the request path (which holds the token) in its error description.
    server = await startServer((req, res, index) =>
      index < 3
        ? json(res, 503, { ok: false, description: `unavailable: ${req.path}` })
        : json(res, 200, { ok: true }),
    );
    const log = captureLogger('debug');
    const alert = telegramAlert({
      botToken: TOKEN,
      chatId: CHAT,
      apiBaseUrl: server.url,
      clock: instantClock(),
      throttleMs: 0,
      logger: log.logger,
    });
    subscribe(alert);

    await exhaust('first', new Error(`call to /bot${TOKEN}/getMe failed`));
    await alert.flush();
    await exhaust('second');
    await alert.flush();

    const messages = log.records().map((r) => r.msg);
    expect(messages).toEqual(['tenacious: alert delivery failed', 'tenacious: alert delivered']);
    expect(log.text()).toContain('[REDACTED]');
    expect(log.text()).not.toContain(TOKEN);
    expect(log.text()).not.toContain('AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw');
  });

  it('does not alert on the exhaustion of its own failed delivery', async () => {
    server = await startServer((_req, res) => json(res, 502, { ok: false }));
    const alert = telegramAlert({
      botToken: TOKEN,
      chatId: CHAT,
      apiBaseUrl: server.url,
      clock: instantClock(),
      throttleMs: 0,
      logger: captureLogger().logger,
    });
    subscribe(alert);

    await exhaust();
    await alert.flush();
    await alert.flush();

    expect(server.requests).toHaveLength(3);
  });

  it('publishes each delivery outcome on the alert delivery channel', async () => {
    server = await startServer((_req, res, index) =>
      index === 0
        ? json(res, 200, { ok: true })
        : json(res, 403, { ok: false, description: 'Forbidden' }),
    );
    const outcomes: AlertDeliveryEvent[] = [];
    cleanups.push(onAlertDelivery((event) => outcomes.push(event)));
    const alert = telegramAlert({
      botToken: TOKEN,
      chatId: CHAT,
      apiBaseUrl: server.url,
      clock: instantClock(),
      throttleMs: 0,
      logger: captureLogger().logger,
    });
    subscribe(alert);

    await exhaust('a');
    await alert.flush();
    await exhaust('b');
    await alert.flush();

    expect(
      outcomes.map(({ channel, ok, operation, attempts, reason }) => ({
        channel,
        ok,
        operation,
        attempts,
        reason,
      })),
    ).toEqual([
      { channel: 'telegram', ok: true, operation: 'a', attempts: 1, reason: undefined },
      { channel: 'telegram', ok: false, operation: 'b', attempts: 1, reason: 'http:403' },
    ]);
  });

  it('ignores events after stop()', async () => {
    server = await startServer();
    const alert = telegramAlert({
      botToken: TOKEN,
      chatId: CHAT,
      apiBaseUrl: server.url,
      throttleMs: 0,
    });
    subscribe(alert);

    alert.stop();
    await exhaust();
    await alert.flush();

    expect(server.requests).toHaveLength(0);
  });
});

describe('telegramAlert configuration', () => {
  const base = { botToken: TOKEN, chatId: CHAT };

  it('rejects a missing botToken', () => {
    expect(() => telegramAlert({ chatId: CHAT } as never)).toThrow(
      new TypeError('telegramAlert: botToken: expected a non-empty string, got undefined'),
    );
  });

  it('rejects a malformed botToken without showing it', () => {
    const bad = `bot${TOKEN}`;
    let error: unknown;
    try {
      telegramAlert({ ...base, botToken: bad });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(
      /^telegramAlert: botToken: expected a Telegram bot token/,
    );
    expect((error as Error).message).not.toContain(TOKEN);
    expect((error as Error).message).not.toContain('AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw');
  });

  it('rejects a missing chatId', () => {
    expect(() => telegramAlert({ botToken: TOKEN } as never)).toThrow(
      new TypeError(
        'telegramAlert: chatId: expected a chat id (an integer or a non-empty string such as "@channel"), got undefined',
      ),
    );
  });

  it('rejects an invalid apiBaseUrl', () => {
    expect(() => telegramAlert({ ...base, apiBaseUrl: 'api.telegram.org' })).toThrow(
      new TypeError(
        'telegramAlert: apiBaseUrl: expected an absolute http:// or https:// URL, got "api.telegram.org"',
      ),
    );
  });

  it('rejects a negative throttleMs', () => {
    expect(() => telegramAlert({ ...base, throttleMs: -1 })).toThrow(
      new RangeError('telegramAlert: throttleMs: expected a number >= 0, got -1'),
    );
  });

  it('rejects a logger without the pino methods', () => {
    expect(() => telegramAlert({ ...base, logger: {} as never })).toThrow(TypeError);
  });

  it('reports a misspelt option as an unknown key, with a suggestion', () => {
    expect(() => telegramAlert({ botToken: TOKEN, chatID: CHAT } as never)).toThrow(
      /^telegramAlert: unknown option "chatID" \(did you mean "chatId"\?\); expected one of botToken, chatId,/,
    );
  });
});

/** The error `telegramAlert.fromEnv(env)` throws. */
function fromEnvError(env: Record<string, string>): ConfigError {
  try {
    telegramAlert.fromEnv(env).stop();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('telegramAlert.fromEnv was expected to throw');
}

describe('telegramAlert.fromEnv', () => {
  it('posts to the chat in OPS_TELEGRAM_CHAT_ID with the token in OPS_TELEGRAM_BOT_TOKEN', async () => {
    server = await startServer();
    const alert = telegramAlert.fromEnv(
      { OPS_TELEGRAM_BOT_TOKEN: TOKEN, OPS_TELEGRAM_CHAT_ID: String(CHAT) },
      { apiBaseUrl: server.url, clock: instantClock(T0) },
    );
    subscribe(alert);

    await exhaust();
    await alert.flush();

    expect(server.requests.map((r) => [r.path, r.json.chat_id])).toEqual([
      [`/bot${TOKEN}/sendMessage`, CHAT],
    ]);
  });

  it('reads BOT_TOKEN and CHAT_ID under another prefix', async () => {
    server = await startServer();
    const alert = telegramAlert.fromEnv(
      { DESK_BOT_TOKEN: TOKEN, DESK_CHAT_ID: '@desk_alerts' },
      { prefix: 'DESK_', apiBaseUrl: server.url, clock: instantClock(T0) },
    );
    subscribe(alert);

    await exhaust();
    await alert.flush();

    expect(server.requests.map((r) => r.json.chat_id)).toEqual(['@desk_alerts']);
  });

  it('passes the other options through to telegramAlert', () => {
    expect(() =>
      telegramAlert.fromEnv(
        { OPS_TELEGRAM_BOT_TOKEN: TOKEN, OPS_TELEGRAM_CHAT_ID: String(CHAT) },
        { throttleMs: -1 },
      ),
    ).toThrow(new RangeError('telegramAlert: throttleMs: expected a number >= 0, got -1'));
  });

  it('rejects an unset OPS_TELEGRAM_BOT_TOKEN with a ConfigError naming it', () => {
    expect(fromEnvError({ OPS_TELEGRAM_CHAT_ID: String(CHAT) }).message).toBe(
      "invalid retry configuration: OPS_TELEGRAM_BOT_TOKEN=undefined: not set: the bot's token from @BotFather is required",
    );
  });

  it('rejects an unset OPS_TELEGRAM_CHAT_ID with a ConfigError naming it', () => {
    expect(fromEnvError({ OPS_TELEGRAM_BOT_TOKEN: TOKEN }).issues).toEqual([
      {
        path: 'OPS_TELEGRAM_CHAT_ID',
        variable: 'OPS_TELEGRAM_CHAT_ID',
        value: undefined,
        message: 'not set: a numeric chat id or @channel is required',
      },
    ]);
  });

  it('names both variables when both are unset or empty', () => {
    expect(fromEnvError({ OPS_TELEGRAM_BOT_TOKEN: ' ' }).issues.map((i) => i.variable)).toEqual([
      'OPS_TELEGRAM_BOT_TOKEN',
      'OPS_TELEGRAM_CHAT_ID',
    ]);
  });

  it('rejects a malformed OPS_TELEGRAM_BOT_TOKEN without showing it anywhere in the error', () => {
    const bad = `bot${TOKEN}`;
    const error = fromEnvError({ OPS_TELEGRAM_BOT_TOKEN: bad, OPS_TELEGRAM_CHAT_ID: '1' });

    expect(error.issues).toEqual([
      {
        path: 'OPS_TELEGRAM_BOT_TOKEN',
        variable: 'OPS_TELEGRAM_BOT_TOKEN',
        value: '[redacted]',
        message:
          'expected a Telegram bot token such as 123456:ABC-DEF1234 (digits, a colon, then letters, digits, _ or -), got 47 characters that do not match',
      },
    ]);
    for (const printed of [error.message, inspect(error), JSON.stringify(error.issues)]) {
      expect(printed).not.toContain('AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw');
    }
  });
});
