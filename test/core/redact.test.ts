import { fc, test } from '../helpers/property.js';
import { describe, expect, it } from 'vitest';
import { constant, retry } from '../../src/index.js';
import {
  describeError,
  isSecretName,
  redactText,
  serializeError,
} from '../../src/core/redaction/redact.js';
import { instantClock } from '../../src/testing/index.js';
import { captureLogger } from '../helpers/log-capture.js';

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
  it('reduces an axios-style error to its compact fields, with the request config dropped', () => {
    const err = Object.assign(new Error('Request failed with status code 400'), {
      code: 'ERR_BAD_REQUEST',
      config: {
        method: 'post',
        url: `https://api.binance.com/api/v3/order?signature=${SIGNATURE}`,
        headers: { 'X-MBX-APIKEY': API_KEY, Accept: 'json' },
      },
      response: { status: 400, data: { code: -2010, msg: 'Account has insufficient balance' } },
    });
    expect({ ...(serializeError(err) as object) }).toEqual({
      type: 'Error',
      message: 'Request failed with status code 400',
      code: 'ERR_BAD_REQUEST',
      status: 400,
      method: 'POST',
      url: 'https://api.binance.com/api/v3/order?signature=[REDACTED]',
      body: { code: -2010, msg: 'Account has insufficient balance' },
    });
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
    expect(out.message).toBe(
      'fetch failed: connect to https://api.telegram.org/bot[REDACTED]/x failed',
    );
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

  it.each([
    'X-MBX-APIKEY',
    'signature',
    'OK-ACCESS-PASSPHRASE',
    'X-BAPI-API-KEY',
    'CB-ACCESS-PASSPHRASE',
    'KC-API-KEY',
    'KC-API-PASSPHRASE',
    'API-Key',
    'ACCESS-PASSPHRASE',
    'X-MEXC-APIKEY',
    'bfx-apikey',
    'bfx-signature',
    'api-signature',
    'access_token',
    'refresh_token',
    'x-auth-token',
    'x-access-token',
    'bot_token',
    'X-Hub-Signature',
    'mnemonic',
  ])('treats %s as a secret name through its ending', (name) => {
    expect(isSecretName(name)).toBe(true);
  });
});

const KEY = 'Zk3pQ8vW2xR7nT5mL9cB4hJ6gF1dS0aY';
const PRIVATE_KEY = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
const TX_HASH = '0x88df016429689c079f3b2f6ad39fa052532c56795b733da78a91ebe6a713944b';
const MNEMONIC = 'test test test test test test test test test test test junk';

describe('venue signing headers in text', () => {
  const headers = [
    ['X-MBX-APIKEY', 'Binance'],
    ['OK-ACCESS-KEY', 'OKX'],
    ['OK-ACCESS-SIGN', 'OKX'],
    ['OK-ACCESS-PASSPHRASE', 'OKX'],
    ['X-BAPI-API-KEY', 'Bybit'],
    ['X-BAPI-SIGN', 'Bybit'],
    ['CB-ACCESS-KEY', 'Coinbase'],
    ['CB-ACCESS-SIGN', 'Coinbase'],
    ['CB-ACCESS-PASSPHRASE', 'Coinbase'],
    ['KC-API-KEY', 'KuCoin'],
    ['KC-API-SIGN', 'KuCoin'],
    ['KC-API-PASSPHRASE', 'KuCoin'],
    ['API-Key', 'Kraken'],
    ['API-Sign', 'Kraken'],
    ['ACCESS-SIGN', 'Bitget'],
    ['X-MEXC-APIKEY', 'MEXC'],
  ] as const;
  const forms: [string, (h: string) => string][] = [
    ['a raw header string', (h) => `${h}: ${KEY}\r\nAccept: */*\r\n`],
    ['JSON', (h) => `{"${h}":"${KEY}","accept":"json"}`],
    ['util.inspect output', (h) => `{ '${h}': '${KEY}', accept: 'json' }`],
    ['a header array as JSON', (h) => `["accept","json","${h}","${KEY}"]`],
    ['a printed Map', (h) => `Map(1) { '${h}' => '${KEY}' }`],
    ['a query string', (h) => `/api?${h}=${KEY}&x=1`],
  ];
  for (const [header, venue] of headers) {
    it.each(forms)(`redacts ${venue} ${header} in %s`, (_form, make) => {
      const out = redactText(make(header));
      expect(out).not.toContain(KEY);
      expect(out).toContain(header);
      expect(out).toContain('[REDACTED]');
    });
  }

  it('keeps headers that are not secrets', () => {
    const text = 'KC-API-KEY-VERSION: 2\r\nOK-ACCESS-TIMESTAMP: 2020-12-08T09:08:57.715Z\r\n';
    expect(redactText(text)).toBe(text);
  });

  it('redacts every pair of a Cookie header', () => {
    expect(redactText(`Cookie: a=1; session=${KEY}\r\nAccept: */*`)).toBe(
      'Cookie: [REDACTED]\r\nAccept: */*',
    );
  });
});

describe('secrets in header collections', () => {
  it.each([
    ['a flat header array', ['Accept', 'json', 'X-BAPI-SIGN', KEY]],
    [
      'header pairs',
      [
        ['accept', 'json'],
        ['OK-ACCESS-SIGN', KEY],
      ],
    ],
    ['a Map', new Map([['KC-API-SIGN', KEY]])],
    ['a Headers object', new Headers({ 'CB-ACCESS-SIGN': KEY })],
    ['a Set of header lines', new Set([`API-Sign: ${KEY}`])],
    ['URLSearchParams', new URLSearchParams({ signature: KEY })],
  ])('redacts %s', (_what, headers) => {
    const out = JSON.stringify(serializeError(Object.assign(new Error('x'), { headers })));
    expect(out).not.toContain(KEY);
    expect(out).toContain('[REDACTED]');
  });
});

describe('RPC provider keys and webhook secrets in URLs', () => {
  it.each([
    [
      'Alchemy',
      `https://eth-mainnet.g.alchemy.com/v2/${KEY}`,
      'https://eth-mainnet.g.alchemy.com/v2/[REDACTED]',
    ],
    [
      'Alchemy NFT',
      `https://eth-mainnet.g.alchemy.com/nft/v3/${KEY}/getNFTs?owner=${TX_HASH.slice(0, 42)}`,
      `https://eth-mainnet.g.alchemy.com/nft/v3/[REDACTED]/getNFTs?owner=${TX_HASH.slice(0, 42)}`,
    ],
    ['Infura', `https://mainnet.infura.io/v3/${KEY}`, 'https://mainnet.infura.io/v3/[REDACTED]'],
    [
      'Infura WebSocket',
      `wss://mainnet.infura.io/ws/v3/${KEY}`,
      'wss://mainnet.infura.io/ws/v3/[REDACTED]',
    ],
    [
      'QuickNode',
      `https://black-sleek-sea.quiknode.pro/${KEY}/`,
      'https://black-sleek-sea.quiknode.pro/[REDACTED]/',
    ],
    ['Ankr', `https://rpc.ankr.com/eth/${KEY}`, 'https://rpc.ankr.com/eth/[REDACTED]'],
    [
      'Chainstack',
      `https://nd-123-456-789.p2pify.com/${KEY}`,
      'https://nd-123-456-789.p2pify.com/[REDACTED]',
    ],
    ['GetBlock', `https://go.getblock.io/${KEY}/`, 'https://go.getblock.io/[REDACTED]/'],
    [
      'Blast',
      `https://eth-mainnet.blastapi.io/${KEY}`,
      'https://eth-mainnet.blastapi.io/[REDACTED]',
    ],
    [
      'Tenderly',
      `https://mainnet.gateway.tenderly.co/${KEY}`,
      'https://mainnet.gateway.tenderly.co/[REDACTED]',
    ],
    ['NOWNodes', `https://eth.nownodes.io/${KEY}`, 'https://eth.nownodes.io/[REDACTED]'],
    [
      'Moralis',
      `https://site1.moralis-nodes.com/eth/${KEY}`,
      'https://site1.moralis-nodes.com/eth/[REDACTED]',
    ],
    ['dRPC path', `https://lb.drpc.org/ethereum/${KEY}`, 'https://lb.drpc.org/ethereum/[REDACTED]'],
    [
      'dRPC query',
      `https://lb.drpc.org/ogrpc?network=ethereum&dkey=${KEY}`,
      'https://lb.drpc.org/ogrpc?network=ethereum&dkey=[REDACTED]',
    ],
    [
      'Pocket',
      `https://eth-mainnet.gateway.pokt.network/v1/lb/${KEY}`,
      'https://eth-mainnet.gateway.pokt.network/v1/lb/[REDACTED]',
    ],
    [
      'Helius',
      `https://mainnet.helius-rpc.com/?api-key=${KEY}`,
      'https://mainnet.helius-rpc.com/?api-key=[REDACTED]',
    ],
    [
      'a self-hosted gateway',
      `http://10.0.0.5:8545/v2/${KEY}`,
      'http://10.0.0.5:8545/v2/[REDACTED]',
    ],
    [
      'Slack',
      `https://hooks.slack.com/services/T000/B000/${KEY}`,
      'https://hooks.slack.com/services/T000/[REDACTED]',
    ],
    [
      'Discord',
      `https://discord.com/api/webhooks/123/${KEY}`,
      'https://discord.com/api/webhooks/123/[REDACTED]',
    ],
    [
      'Telegram',
      `https://api.telegram.org/bot${BOT_TOKEN}/sendMessage`,
      'https://api.telegram.org/bot[REDACTED]/sendMessage',
    ],
    [
      'Alchemy (alchemyapi.io)',
      `https://eth-mainnet.alchemyapi.io/v2/${KEY}`,
      'https://eth-mainnet.alchemyapi.io/v2/[REDACTED]',
    ],
    [
      'QuickNode (quicknode.pro)',
      `https://black-sleek-sea.quicknode.pro/${KEY}/`,
      'https://black-sleek-sea.quicknode.pro/[REDACTED]/',
    ],
    [
      'Chainstack (chainstack.com)',
      `https://nd-1.chainstack.com/${KEY}`,
      'https://nd-1.chainstack.com/[REDACTED]',
    ],
    [
      'Discord (discordapp.com)',
      `https://discordapp.com/api/webhooks/123/${KEY}`,
      'https://discordapp.com/api/webhooks/123/[REDACTED]',
    ],
  ])('redacts the key in a %s URL', (_provider, url, expected) => {
    expect(redactText(`request to ${url} failed`)).toBe(`request to ${expected} failed`);
  });

  it("reads Ankr's key from rpc.ankr.com only, not from its subdomains", () => {
    const url = `https://eu.rpc.ankr.com/eth/${KEY}`;
    expect(redactText(url)).toBe(url);
  });

  it('keeps route names, hashes and addresses after a version segment', () => {
    for (const text of [
      'https://api.binance.com/api/v3/exchangeInfo',
      'https://api.bybit.com/v5/order/create',
      `https://api.example.com/v1/${TX_HASH}`,
    ]) {
      expect(redactText(text)).toBe(text);
    }
  });
});

describe('private keys and mnemonics, by their labels only', () => {
  it.each([
    `privateKey=${PRIVATE_KEY}`,
    `{"privateKey":"${PRIVATE_KEY}"}`,
    `PRIVATE_KEY=${PRIVATE_KEY.slice(2)}`,
    `DEPLOYER_PRIVATE_KEY: ${PRIVATE_KEY}`,
    `invalid private key: ${PRIVATE_KEY}`,
    `{ signingKey: '${PRIVATE_KEY}' }`,
    `mnemonic: "${MNEMONIC}"`,
    `mnemonic=${MNEMONIC}`,
    `seed phrase: ${MNEMONIC}`,
  ])('redacts %s', (text) => {
    const out = redactText(text);
    expect(out).not.toContain(PRIVATE_KEY.slice(2, 40));
    expect(out).not.toContain('test test test');
  });

  it('redacts wallet fields of objects', () => {
    const out = JSON.stringify(
      serializeError(
        Object.assign(new Error('signer failed'), {
          wallet: { address: TX_HASH.slice(0, 42), privateKey: PRIVATE_KEY },
          mnemonic: { phrase: MNEMONIC, entropy: TX_HASH },
        }),
      ),
    );
    expect(out).not.toContain(PRIVATE_KEY);
    expect(out).not.toContain('test test');
    expect(out).toContain(TX_HASH.slice(0, 42));
  });

  it.each([
    `transaction ${TX_HASH} reverted`,
    `{"hash":"${TX_HASH}","status":"0x0"}`,
    `txHash=${TX_HASH}`,
    `tokenAddress=${TX_HASH.slice(0, 42)}`,
  ])('keeps a hash or an address readable: %s', (text) => {
    expect(redactText(text)).toBe(text);
  });
});

describe('compact error fields', () => {
  it('joins the messages along the cause chain once each and lists the cause codes', () => {
    const inner = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const outer = Object.assign(new Error('socket hang up', { cause: inner }), {
      name: 'AxiosError',
      isAxiosError: true,
      code: 'ECONNRESET',
      config: { method: 'get', url: `https://api.binance.com/api/v3/order?signature=${SIGNATURE}` },
    });
    expect({ ...(serializeError(outer) as object) }).toEqual({
      type: 'AxiosError',
      message: 'socket hang up',
      code: 'ECONNRESET',
      method: 'GET',
      url: 'https://api.binance.com/api/v3/order?signature=[REDACTED]',
      causeCodes: ['ECONNRESET'],
    });
  });

  it('caps long messages', () => {
    const out = serializeError(new Error('x'.repeat(10_000))) as { message: string };
    expect(out.message.length).toBeLessThanOrEqual(301);
  });
});
