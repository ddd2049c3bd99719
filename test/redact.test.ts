import { fc, test } from './helpers/property.js';
import { describe, expect, it } from 'vitest';
import { constant, retry } from '../src/index.js';
import { describeError, redactText, serializeError } from '../src/redact.js';
import { instantClock } from '../src/testing/index.js';
import { captureLogger } from './helpers/log-capture.js';

const API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const SIGNATURE = 'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71';
const BOT_TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const BEARER = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0cmFkZXIifQ.s3cr3t';
const SECRETS = [API_KEY, SIGNATURE, BOT_TOKEN, BEARER, 'hunter2-password'];

function expectNoSecret(text: string) {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe('redactText', () => {
  it.each([
    [
      `GET /api/v3/order?symbol=BTCUSDT&timestamp=1&signature=${SIGNATURE}`,
      '&signature=[REDACTED]',
    ],
    [`https://api.telegram.org/bot${BOT_TOKEN}/sendMessage`, '/bot[REDACTED]/sendMessage'],
    [`Authorization: Bearer ${BEARER}`, 'Authorization: [REDACTED]'],
    [`{"X-MBX-APIKEY":"${API_KEY}"}`, '"X-MBX-APIKEY":"[REDACTED]"'],
    [`token=${BEARER}&x=1`, 'token=[REDACTED]&x=1'],
    ['https://trader:hunter2-password@example.com/x', 'https://[REDACTED]@example.com/x'],
  ])('redacts %s', (input, expected) => {
    const out = redactText(input);
    expect(out).toContain(expected);
    expectNoSecret(out);
  });

  it('redacts literal secrets it is given', () => {
    expect(redactText('key is abcd1234efgh', ['abcd1234efgh'])).toBe('key is [REDACTED]');
  });

  it('leaves ordinary text alone', () => {
    expect(redactText('Order rejected: insufficient balance (-2010)')).toBe(
      'Order rejected: insufficient balance (-2010)',
    );
  });
});

describe('serializeError', () => {
  it('redacts axios-style request headers and keeps the error fields', () => {
    const err = Object.assign(new Error('Request failed with status code 400'), {
      code: 'ERR_BAD_REQUEST',
      config: {
        url: `/api/v3/order?signature=${SIGNATURE}`,
        headers: { 'X-MBX-APIKEY': API_KEY, Accept: 'json' },
      },
      response: { status: 400, data: { code: -2010, msg: 'Account has insufficient balance' } },
    });
    const out = serializeError(err) as Record<string, any>;
    expect(out).toMatchObject({
      type: 'Error',
      message: 'Request failed with status code 400',
      code: 'ERR_BAD_REQUEST',
      config: { headers: { 'X-MBX-APIKEY': '[REDACTED]', Accept: 'json' } },
      response: { status: 400, data: { code: -2010 } },
    });
    expectNoSecret(JSON.stringify(out));
  });

  it('redacts the binance client plain object (requestUrl with signature, headers)', () => {
    const thrown = {
      code: -1022,
      message: 'Signature for this request is not valid.',
      body: { code: -1022, msg: 'Signature for this request is not valid.' },
      headers: { 'x-mbx-used-weight-1m': '10' },
      requestUrl: `https://api.binance.com/api/v3/order?apiKey=${API_KEY}&signature=${SIGNATURE}`,
      requestOptions: { api_key: API_KEY, api_secret: 'hunter2-password' },
    };
    expectNoSecret(JSON.stringify(serializeError(thrown)));
  });

  it('redacts secrets along the cause chain and in Headers objects', () => {
    const inner = Object.assign(
      new Error(`connect to https://api.telegram.org/bot${BOT_TOKEN}/x failed`),
      {
        headers: new Headers({ authorization: `Bearer ${BEARER}` }),
      },
    );
    const outer = new TypeError('fetch failed', { cause: inner });
    const out = serializeError(outer) as Record<string, any>;
    expect(out.cause.type).toBe('Error');
    expectNoSecret(JSON.stringify(out));
  });

  it('survives cycles, throwing getters, proxies and huge messages', () => {
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    const err = new Error('a'.repeat(100_000), { cause: cyclic });
    Object.defineProperty(err, 'boom', {
      enumerable: true,
      get() {
        throw new Error('getter');
      },
    });
    const proxy = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('trap');
        },
        get() {
          throw new Error('trap');
        },
      },
    );
    expect(() => JSON.stringify(serializeError(err))).not.toThrow();
    expect(() => JSON.stringify(serializeError(proxy))).not.toThrow();
    expect((serializeError(err) as { message: string }).message.length).toBeLessThan(5000);
  });

  test.prop([
    fc.anything({ withBigInt: true, withMap: true, withSet: true, withTypedArray: true }),
  ])('never throws and always gives JSON-safe output', (value) => {
    expect(() => JSON.stringify(serializeError(value))).not.toThrow();
    expect(typeof describeError(value)).toBe('string');
  });
});

describe('describeError', () => {
  it('gives Name [code]: message', () => {
    expect(describeError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(
      'Error [ECONNRESET]: socket hang up',
    );
  });

  it('describes a plain object by its msg', () => {
    expect(describeError({ code: -2010, msg: 'Duplicate order sent.' })).toBe(
      'Error [-2010]: Duplicate order sent.',
    );
  });
});

describe('logging through retry', () => {
  it('logs each retry as warn and the exhaustion as error, with the API fields', async () => {
    const clock = instantClock();
    const { logger, records } = captureLogger();
    const err = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    await retry(
      async () => {
        throw err;
      },
      { clock, logger, operation: 'get_position', maxAttempts: 2, backoff: constant(50) },
    ).catch(() => {});
    const [warn, error] = records();
    expect(warn).toMatchObject({
      level: 40,
      operation: 'get_position',
      attempt: 1,
      maxAttempts: 2,
      delayMs: 50,
      reason: 'unclassified',
      err: { type: 'Error', message: 'socket hang up', code: 'ECONNRESET' },
    });
    expect(error).toMatchObject({
      level: 50,
      operation: 'get_position',
      attempts: 2,
      elapsedMs: 50,
      reason: 'attempts',
      err: { type: 'Error', message: 'socket hang up' },
    });
  });

  it('logs nothing on a first-attempt success', async () => {
    const { logger, lines } = captureLogger();
    await retry(async () => 'ok', { logger });
    expect(lines).toEqual([]);
  });

  it('never writes API keys, signatures, bearer or bot tokens to the log', async () => {
    const clock = instantClock();
    const { logger, text } = captureLogger();
    const thrown = {
      code: -1021,
      message: 'Timestamp for this request is outside of the recvWindow.',
      requestUrl: `https://api.binance.com/api/v3/order?timestamp=1&signature=${SIGNATURE}`,
      headers: { 'X-MBX-APIKEY': API_KEY },
    };
    const wrapped = new Error(`POST https://api.telegram.org/bot${BOT_TOKEN}/sendMessage failed`, {
      cause: Object.assign(new Error('401'), {
        config: { headers: { Authorization: `Bearer ${BEARER}` } },
      }),
    });
    let n = 0;
    await retry(
      async () => {
        throw n++ === 0 ? thrown : wrapped;
      },
      { clock, logger, maxAttempts: 3, backoff: constant(1) },
    ).catch(() => {});
    expect(text()).toContain('[REDACTED]');
    expectNoSecret(text());
  });
});

describe('exchange credential headers', () => {
  it.each([
    'OK-ACCESS-SIGN',
    'OK-ACCESS-KEY',
    'X-BAPI-API-KEY',
    'X-BAPI-SIGN',
    'API-Sign',
    'CB-ACCESS-SIGN',
  ])('redacts %s in a headers object', (header) => {
    const out = JSON.stringify(serializeError({ config: { headers: { [header]: API_KEY } } }));
    expect(out).not.toContain(API_KEY);
    expect(out).toContain(`"${header}":"[REDACTED]"`);
  });
});
