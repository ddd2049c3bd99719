import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telegramAlert, webhookAlert, type AlertListener } from '../../src/alerts/index.js';
import { awsClassifier } from '../../src/aws/index.js';
import { binanceClassifier, binanceWeightTracker } from '../../src/binance/index.js';
import { ccxtClassifier } from '../../src/ccxt/index.js';
import { dexClassifier, jsonRpcClassifier } from '../../src/dex/index.js';
import { httpClassifier } from '../../src/http/index.js';
import { retryMetrics } from '../../src/metrics/index.js';
import {
  describeError,
  none,
  onExhausted,
  retry,
  serializeError,
  type Classifier,
} from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';
import { captureLogger } from '../helpers/log-capture.js';
import { startServer, type LocalServer } from './support.js';

/**
 * Secrets never reach a log line, an error message or an alert. Generated error shapes carry API
 * keys, signatures, bearer tokens, bot tokens and passwords at random depths (headers, URLs,
 * bodies, `cause` chains, plain objects, free text) in the places client libraries put them;
 * each shape is thrown through a real run with every classifier, a real pino logger writing to
 * a captured stream and every alert adapter posting to a local server, and no secret may appear
 * in any of that output.
 */

// ---------------------------------------------------------------------------------------------
// Secrets and where they are put.
// ---------------------------------------------------------------------------------------------

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';
const chars = (alphabet: string, min: number, max: number) =>
  fc.array(fc.constantFrom(...alphabet), { minLength: min, maxLength: max }).map((a) => a.join(''));

/** An API key: 24-64 letters and digits (Binance keys are 64). */
const apiKey = chars(ALNUM, 24, 64);
/** An HMAC-SHA256 signature in hex. */
const signature = chars(HEX, 64, 64);
/** A Telegram bot token: `<bot id>:<35 characters>`. */
const botToken = fc
  .tuple(fc.integer({ min: 100_000_000, max: 9_999_999_999 }), chars(`${ALNUM}_-`, 35, 35))
  .map(([id, secret]) => `${id}:${secret}`)
  // A token whose secret part is all '-' or '_' would not look like one; real ones never are.
  .filter((token) => /[A-Za-z0-9]/.test(token.split(':')[1]!));
/** A bearer token: a JWT-like `header.payload.signature`. */
const bearer = fc
  .tuple(chars(ALNUM, 16, 40), chars(ALNUM, 16, 60), chars(ALNUM, 16, 43))
  .map((parts) => `eyJ${parts.join('.')}`);
const password = chars(ALNUM, 16, 32);

/** A secret value and a way to embed it in an error shape. */
interface Placement {
  where: string;
  secret: string;
  /** The value to put somewhere in an error (a string, a headers object, a body...). */
  value: () => unknown;
}

const placement = (where: string, secret: string, value: () => unknown): Placement => ({
  where,
  secret,
  value,
});

/** Where secrets go: a secret generator and the value that carries it. */
const KINDS: Record<string, [fc.Arbitrary<string>, (secret: string) => unknown]> = {
  'X-MBX-APIKEY header': [apiKey, (s) => ({ 'X-MBX-APIKEY': s, Accept: 'application/json' })],
  'x-api-key header': [apiKey, (s) => ({ 'x-api-key': s })],
  'Authorization: Bearer header': [bearer, (s) => ({ Authorization: `Bearer ${s}` })],
  'Authorization: Basic header': [password, (s) => ({ authorization: `Basic ${s}` })],
  'raw Authorization header': [apiKey, (s) => ({ Authorization: s })],
  'Headers instance': [apiKey, (s) => new Headers({ 'x-mbx-apikey': s })],
  'Headers instance with a bearer': [bearer, (s) => new Headers({ authorization: `Bearer ${s}` })],
  'signature= in a URL': [
    signature,
    (s) =>
      `https://api.binance.com/api/v3/order?symbol=BTCUSDT&timestamp=1700000000000&signature=${s}`,
  ],
  'apiKey= in a URL': [apiKey, (s) => `https://api.example.com/v1/orders?apiKey=${s}&limit=10`],
  'api_key= in a URL': [apiKey, (s) => `https://api.example.com/v1/orders?api_key=${s}`],
  'access_token= in a URL': [bearer, (s) => `https://api.example.com/v1/me?access_token=${s}`],
  'token= in a URL': [apiKey, (s) => `wss://stream.example.com/ws?token=${s}`],
  'Telegram bot URL': [botToken, (s) => `https://api.telegram.org/bot${s}/sendMessage`],
  'URL credentials': [password, (s) => `https://trader:${s}@rpc.example.com/`],
  'apiKey in a JSON body': [apiKey, (s) => `{"apiKey":"${s}","symbol":"BTCUSDT"}`],
  'signature in a JSON body': [signature, (s) => `{"symbol":"BTCUSDT","signature":"${s}"}`],
  'signature in a form body': [
    signature,
    (s) => `symbol=BTCUSDT&side=BUY&timestamp=1&signature=${s}`,
  ],
  'api_secret in a form body': [apiKey, (s) => `api_key=public&api_secret=${s}`],
  'apiKey field': [apiKey, (s) => ({ apiKey: s, timeout: 5000 })],
  'secret field': [apiKey, (s) => ({ apiKey: 'public-key-id', secret: s })],
  'password field': [password, (s) => ({ user: 'trader', password: s })],
  'botToken field': [botToken, (s) => ({ botToken: s, chatId: -100 })],
  'signature field': [signature, (s) => ({ params: { signature: s } })],
  'signature= in a message': [
    signature,
    (s) =>
      `Request failed with status code 400: POST https://api.binance.com/api/v3/order?timestamp=1&signature=${s}`,
  ],
  'bearer in a message': [bearer, (s) => `upstream rejected Authorization: Bearer ${s}`],
  'header dump in a message': [apiKey, (s) => `headers sent: X-MBX-APIKEY: ${s}\r\nAccept: */*`],
  'bot token in a message': [botToken, (s) => `telegram: 401 Unauthorized for token ${s}`],
};

const placements: fc.Arbitrary<Placement> = fc
  .constantFrom(...Object.keys(KINDS))
  .chain((where) => {
    const [secrets, carry] = KINDS[where]!;
    return secrets.map((s) => placement(where, s, () => carry(s)));
  });

/** An error shape that carries `value` where a client library would, `depth` levels down. */
type Carrier = (value: unknown) => unknown;

const ERROR_CARRIERS: Record<string, Carrier> = {
  'axios config.headers': (v) =>
    Object.assign(new Error('Request failed with status code 418'), {
      name: 'AxiosError',
      code: 'ERR_BAD_REQUEST',
      config: { method: 'post', url: '/api/v3/order', headers: v, data: v },
      response: { status: 418, headers: { 'retry-after': '120' }, config: { headers: v } },
    }),
  'got options': (v) =>
    Object.assign(new Error('Response code 503 (Service Unavailable)'), {
      name: 'HTTPError',
      code: 'ERR_NON_2XX_3XX_RESPONSE',
      options: { headers: v, url: v, body: v },
      response: { statusCode: 503, headers: {}, requestUrl: v },
    }),
  'binance client plain object': (v) => ({
    code: -2010,
    message: 'Account has insufficient balance for requested action.',
    body: v,
    headers: v,
    requestUrl: v,
    requestBody: v,
  }),
  'fetch cause chain': (v) =>
    new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), {
        code: 'ECONNREFUSED',
        request: { url: v, headers: v },
      }),
    }),
  'message text': (v) =>
    new Error(
      typeof v === 'string' ? v : JSON.stringify(v instanceof Headers ? Object.fromEntries(v) : v),
    ),
  'ccxt NetworkError message': (v) =>
    Object.assign(
      new Error(
        `binance GET ${typeof v === 'string' ? v : 'https://api.binance.com'} 503 Service Unavailable`,
      ),
      {
        name: 'ExchangeNotAvailable',
        details: v,
      },
    ),
  'viem HttpRequestError': (v) =>
    Object.assign(new Error('HTTP request failed.'), {
      name: 'HttpRequestError',
      status: 429,
      url: typeof v === 'string' ? v : 'https://rpc.example.com',
      body: { method: 'eth_sendRawTransaction', params: [v] },
      headers: v,
    }),
  'AWS SDK error': (v) =>
    Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400, requestId: 'abc' },
      $response: { headers: v, body: v },
    }),
  'a plain object': (v) => ({ error: v, note: 'thrown as is' }),
};

/** Wraps a shape into `levels` more layers, as retries, SDK wrappers and proxies do. */
const WRAPPERS: Record<string, Carrier> = {
  cause: (inner) => new Error('wrapped', { cause: inner }),
  'error field': (inner) => ({ message: 'request failed', error: inner }),
  'errors array': (inner) => new AggregateError([new Error('first'), inner], 'all attempts failed'),
  'response.data': (inner) =>
    Object.assign(new Error('Bad Request'), { response: { status: 400, data: inner } }),
};

interface Shape {
  label: string;
  secret: string;
  make: () => unknown;
}

const shapes: fc.Arbitrary<Shape> = fc
  .tuple(
    placements,
    fc.constantFrom(...Object.keys(ERROR_CARRIERS)),
    fc.array(fc.constantFrom(...Object.keys(WRAPPERS)), { maxLength: 3 }),
  )
  .map(([p, carrier, wrappers]) => ({
    label: `${p.where} in ${carrier}${wrappers.map((w) => ` in ${w}`).join('')}`,
    secret: p.secret,
    make: () =>
      wrappers.reduce((inner, w) => WRAPPERS[w]!(inner), ERROR_CARRIERS[carrier]!(p.value())),
  }))
  .map((shape) => Object.assign(shape, { [fc.toStringMethod]: () => shape.label }));

// ---------------------------------------------------------------------------------------------
// Every output: log lines, error messages, alert bodies, metrics.
// ---------------------------------------------------------------------------------------------

const CLASSIFIERS: Record<string, () => Classifier[] | undefined> = {
  default: () => undefined,
  http: () => [httpClassifier()],
  aws: () => [awsClassifier()],
  binance: () => [binanceClassifier()],
  'binance with tracker': () => [
    binanceClassifier({ tracker: binanceWeightTracker({ limit: 6000, clock: instantClock() }) }),
  ],
  ccxt: () => [ccxtClassifier()],
  dex: () => [dexClassifier()],
  jsonrpc: () => [jsonRpcClassifier()],
};

let server: LocalServer;
let subscribers: AlertListener[] = [];
const metrics = retryMetrics();

beforeAll(async () => {
  server = await startServer();
  const ALERT_TOKEN = '987654321:AAFixedAlertTokenForTheTestServer00';
  subscribers = [
    telegramAlert({ botToken: ALERT_TOKEN, chatId: 1, apiBaseUrl: server.url, throttleMs: 0 }),
    webhookAlert({ url: `${server.url}/slack`, format: 'slack', throttleMs: 0 }),
    webhookAlert({ url: `${server.url}/discord`, format: 'discord', throttleMs: 0 }),
    webhookAlert({ url: `${server.url}/json`, format: 'json', throttleMs: 0 }),
  ];
});

afterAll(async () => {
  for (const alert of subscribers) alert.stop();
  metrics.stop();
  await server.close();
});

/**
 * Everything a run with this error writes: log lines, its rejection's message, and, with
 * `alerts`, every alert body and the metrics text.
 */
async function outputsOf(
  error: unknown,
  classify: Classifier[] | undefined,
  idempotent: boolean,
  alerts = true,
): Promise<Record<string, string>> {
  const { logger, text } = captureLogger();
  const before = server.requests.length;
  // A process-wide listener that fails with the error itself: its failure is logged too.
  const stopFailing = onExhausted(() => {
    throw error;
  });
  const stopAlerts = alerts ? subscribers.map((alert) => onExhausted(alert)) : [];
  let rejection: unknown;
  try {
    await retry(
      () => {
        throw error;
      },
      {
        operation: 'place_order',
        maxAttempts: 2,
        backoff: none,
        clock: instantClock(),
        logger,
        idempotent,
        ...(classify === undefined ? {} : { classify }),
      },
    );
  } catch (e) {
    rejection = e;
  } finally {
    stopFailing();
    for (const stop of stopAlerts) stop();
  }
  const outputs: Record<string, string> = {
    'log output': text(),
    'error message': rejection === error ? '' : String((rejection as Error)?.message ?? ''),
  };
  if (alerts) {
    await Promise.all(subscribers.map((alert) => alert.flush()));
    outputs['alert text'] = server.requests
      .slice(before)
      .map((r) => r.body)
      .join('\n');
    outputs.metrics = metrics.prometheus();
  }
  return outputs;
}

function expectNoLeak(outputs: Record<string, string>, secret: string, label: string): void {
  for (const [output, content] of Object.entries(outputs)) {
    expect(content.includes(secret), `${output} leaks the secret of ${label}`).toBe(false);
  }
}

describe('secrets in thrown errors', () => {
  it('never reach log output, error messages, alert text or metrics (any classifier)', async () => {
    await fc.assert(
      fc.asyncProperty(
        shapes,
        fc.constantFrom(...Object.keys(CLASSIFIERS)),
        fc.boolean(),
        async (shape, classifier, idempotent) => {
          const outputs = await outputsOf(shape.make(), CLASSIFIERS[classifier]!(), idempotent);
          expectNoLeak(outputs, shape.secret, `${shape.label} (${classifier} classifier)`);
        },
      ),
      { numRuns: 60 },
    );
  });

  it.each(Object.keys(ERROR_CARRIERS))(
    'never reach log output or error messages, for every placement (classifiers in turn), in %s',
    async (carrier) => {
      const wrappings: string[][] = [[], ['cause'], ['response.data', 'error field']];
      const classifiers = Object.keys(CLASSIFIERS);
      for (const [j, where] of Object.keys(KINDS).entries()) {
        const [secrets, carry] = KINDS[where]!;
        const [secret] = fc.sample(secrets, { numRuns: 1, seed: where.length });
        // Two classifiers per placement, in turn: every classifier meets every carrier.
        for (const i of [j % classifiers.length, (j + 4) % classifiers.length]) {
          const classifier = classifiers[i]!;
          const wrappers = wrappings[i % wrappings.length]!;
          const error = wrappers.reduce(
            (inner, w) => WRAPPERS[w]!(inner),
            ERROR_CARRIERS[carrier]!(carry(secret!)),
          );
          const outputs = await outputsOf(error, CLASSIFIERS[classifier]!(), i % 2 === 0, false);
          expectNoLeak(outputs, secret!, `${where} in ${carrier} (${classifier} classifier)`);
        }
      }
    },
  );

  it('reach the alert server at all (the checks above look at real deliveries)', async () => {
    const outputs = await outputsOf(new Error('plain failure'), undefined, true);
    expect(outputs['alert text']).toContain('place_order gave up');
    expect(outputs['log output']).toContain('plain failure');
  });
});

describe('the redaction primitives', () => {
  it('serializeError and describeError never return a secret, for every placement and carrier', () => {
    const wrappings = [[], ...Object.keys(WRAPPERS).map((w) => [w]), Object.keys(WRAPPERS)];
    for (const where of Object.keys(KINDS)) {
      const [secrets, carry] = KINDS[where]!;
      for (const secret of fc.sample(secrets, { numRuns: 3, seed: 11 })) {
        for (const carrier of Object.keys(ERROR_CARRIERS)) {
          for (const wrappers of wrappings) {
            const error = wrappers.reduce(
              (inner, w) => WRAPPERS[w]!(inner),
              ERROR_CARRIERS[carrier]!(carry(secret)),
            );
            const label = `${where} in ${carrier}${wrappers.map((w) => ` in ${w}`).join('')}`;
            expect(JSON.stringify(serializeError(error)), label).not.toContain(secret);
            expect(describeError(error), label).not.toContain(secret);
          }
        }
      }
    }
  });
});

// ccxt's credential field is named `secret`: a bare `secret=` or `"secret":` is a secret name.
describe('a bare "secret" name in free text', () => {
  const SECRET = 'Zq8wKp3VtR7mXy2NcL5bHd4J';

  it.each([
    ['a form body', `apiKey=public&secret=${SECRET}`],
    ['a JSON body', `{"apiKey":"public","secret":"${SECRET}"}`],
    ['a query string', `https://api.example.com/v1/private?nonce=1&secret=${SECRET}`],
  ])('is redacted in %s', (_where, text) => {
    expect(describeError(new Error(text))).not.toContain(SECRET);
    expect(JSON.stringify(serializeError(new Error(text)))).not.toContain(SECRET);
  });
});
