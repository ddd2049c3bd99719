import { withTimeout } from '../helpers/with-timeout.js';
import axios from 'axios';
import { MainClient, USDMClient } from 'binance';
import * as ccxt from 'ccxt';
import { FetchRequest, JsonRpcProvider, Network, SigningKey, Wallet } from 'ethers';
import { RestClientV5 } from 'bybit-api';
import got from 'got';
import { request as undiciRequest } from 'undici';
import { createWalletClient, http as viemHttp, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { mainnet } from 'viem/chains';
import type { AttemptContext } from '../../src/index.js';
import { OKX_MATRIX_CLIENTS } from './okx.js';
import type { Failure, Venue } from './venue.js';

/**
 * The real clients of the safety matrix, each placing one order (or sending one transaction) the
 * way an application would, once per attempt. Client timeouts are short because the venue is on
 * loopback; the hang-past-attempt-timeout cells rely on `attemptTimeoutMs` instead (the clients
 * that take a signal get the attempt's).
 */

/** The client's own timeout in the hang-past-client-timeout cells (real time). */
export const CLIENT_TIMEOUT_MS = 100;
/** `attemptTimeoutMs` in the hang-past-attempt-timeout cells (real time). */
export const ATTEMPT_TIMEOUT_MS = 100;
/** The clients' timeout everywhere else: long enough never to decide a cell. */
const LONG_TIMEOUT_MS = 10_000;

const API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const API_SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const TO = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
/** Deriving a key's public half is costly in pure JS: once for the whole matrix. */
const SIGNING_KEY = new SigningKey(KEY);
const ACCOUNT = privateKeyToAccount(KEY);

/** What one cell needs to place its order. */
export interface CellTarget {
  venue: Venue;
  /** The cell id: the order's `newClientOrderId`, or the RPC path. */
  id: string;
  failure: Failure;
}

export interface MatrixClient {
  readonly name: string;
  readonly kind: 'rest' | 'rpc';
  /** The failures this client meets (futures variants only where futures orders go). */
  readonly failures: readonly Failure[];
  /** Returns the attempt function placing the cell's order. */
  order(target: CellTarget): (ctx: AttemptContext) => Promise<unknown>;
  /** Releases what the client keeps between cells. */
  close?(): Promise<void>;
}

const COMMON: readonly Failure[] = [
  'reset-after-read',
  'reset-mid-body',
  'http-500',
  'http-502',
  'http-503-html',
  'http-504',
  'hang-past-client-timeout',
  'hang-past-attempt-timeout',
  'connection-refused',
];
const SPOT: readonly Failure[] = [
  ...COMMON,
  'http-503-spot-json',
  'binance-1007-at-400',
  'binance-1007-at-500',
];
const FUTURES: readonly Failure[] = [
  ...COMMON,
  'futures-503-unknown-error',
  'futures-503-service-unavailable',
  'futures-503-internal-error',
  'futures-503-throttled',
  'binance-1007-at-400',
  'binance-1007-at-500',
];
const EVERY_REST: readonly Failure[] = [...new Set([...SPOT, ...FUTURES])];
const RPC: readonly Failure[] = [
  ...COMMON,
  'nonce-too-low',
  'already-known',
  'replacement-underpriced',
];

const isFutures = (failure: Failure) => failure.startsWith('futures-');
const clientTimeout = (failure: Failure) =>
  failure === 'hang-past-client-timeout' ? CLIENT_TIMEOUT_MS : LONG_TIMEOUT_MS;
const baseUrl = ({ venue, failure }: CellTarget) =>
  failure === 'connection-refused' ? venue.refusedUrl : venue.url;

/** A generic client's order: a JSON POST to the Binance path of the cell's product. */
function orderRequest(target: CellTarget) {
  const path = isFutures(target.failure) ? '/fapi/v1/order' : '/api/v3/order';
  return {
    url: `${baseUrl(target)}${path}`,
    body: JSON.stringify({
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'MARKET',
      quantity: '0.001',
      newClientOrderId: target.id,
    }),
    headers: { 'content-type': 'application/json' },
    timeoutMs: clientTimeout(target.failure),
  };
}

const fetchClient: MatrixClient = {
  name: 'fetch',
  kind: 'rest',
  failures: EVERY_REST,
  order:
    (target) =>
    async ({ signal }) => {
      const { url, body, headers, timeoutMs } = orderRequest(target);
      return withTimeout(signal, timeoutMs, async (timed) => {
        const res = await fetch(url, { method: 'POST', body, headers, signal: timed });
        // An application reads the body inside the attempt: a body cut mid-stream throws here.
        // It reads a clone, so the body can still be read for classification (binanceClassifier).
        await res.clone().arrayBuffer();
        return res;
      });
    },
};

const undiciClient: MatrixClient = {
  name: 'undici',
  kind: 'rest',
  failures: EVERY_REST,
  order:
    (target) =>
    async ({ signal }) => {
      const { url, body, headers, timeoutMs } = orderRequest(target);
      const res = await undiciRequest(url, {
        method: 'POST',
        body,
        headers,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      return { statusCode: res.statusCode, headers: res.headers, body: await res.body.text() };
    },
};

const axiosClient: MatrixClient = {
  name: 'axios',
  kind: 'rest',
  failures: EVERY_REST,
  order:
    (target) =>
    ({ signal }) => {
      const { url, body, headers, timeoutMs } = orderRequest(target);
      return axios.post(url, body, { headers, signal, timeout: timeoutMs });
    },
};

const gotClient: MatrixClient = {
  name: 'got',
  kind: 'rest',
  failures: EVERY_REST,
  order:
    (target) =>
    ({ signal }) => {
      const { url, body, headers, timeoutMs } = orderRequest(target);
      // got does not retry a POST by default; limit 0 says so for every method.
      return got.post(url, {
        body,
        headers,
        signal,
        retry: { limit: 0 },
        timeout: { request: timeoutMs },
      });
    },
};

const binanceSpotClient: MatrixClient = {
  name: 'binance MainClient',
  kind: 'rest',
  failures: SPOT,
  order: (target) => {
    const client = new MainClient(
      { api_key: API_KEY, api_secret: API_SECRET, baseUrl: baseUrl(target) },
      { timeout: clientTimeout(target.failure) },
    );
    // The client wants its broker prefix on custom ids.
    const newClientOrderId = `${client.getOrderIdPrefix()}${target.id}`;
    return () =>
      client.submitNewOrder({
        symbol: 'BTCUSDT',
        side: 'BUY',
        type: 'MARKET',
        quantity: 0.001,
        newClientOrderId,
      });
  },
};

const binanceFuturesClient: MatrixClient = {
  name: 'binance USDMClient',
  kind: 'rest',
  failures: FUTURES,
  order: (target) => {
    const client = new USDMClient(
      { api_key: API_KEY, api_secret: API_SECRET, baseUrl: baseUrl(target) },
      { timeout: clientTimeout(target.failure) },
    );
    // The client wants its broker prefix on custom ids.
    const newClientOrderId = `${client.getOrderIdPrefix()}${target.id}`;
    return () =>
      client.submitNewOrder({
        symbol: 'BTCUSDT',
        side: 'BUY',
        type: 'MARKET',
        quantity: 0.001,
        newClientOrderId,
      });
  },
};

/** ccxt instances are costly to build (~40 ms): one per base URL and timeout, shared by cells. */
const exchanges = new Map<string, ccxt.binance>();
function exchangeFor(target: CellTarget): ccxt.binance {
  const base = baseUrl(target);
  const timeout = clientTimeout(target.failure);
  const key = `${base} ${timeout}`;
  let exchange = exchanges.get(key);
  if (exchange === undefined) {
    exchange = new ccxt.binance({
      apiKey: API_KEY,
      secret: API_SECRET,
      timeout,
      enableRateLimit: false,
    });
    exchange.urls.api = {
      ...(exchange.urls.api as Record<string, string>),
      private: `${base}/api/v3`,
      fapiPrivate: `${base}/fapi/v1`,
    };
    exchanges.set(key, exchange);
  }
  return exchange;
}

const ccxtClient: MatrixClient = {
  name: 'ccxt binance',
  kind: 'rest',
  failures: EVERY_REST,
  order: (target) => {
    const exchange = exchangeFor(target);
    const params = {
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'MARKET',
      quantity: '0.001',
      newClientOrderId: target.id,
    };
    return () =>
      isFutures(target.failure)
        ? (exchange as any).fapiPrivatePostOrder(params)
        : (exchange as any).privatePostOrder(params);
  },
  close: async () => {
    for (const exchange of exchanges.values()) await exchange.close();
    exchanges.clear();
  },
};

const rpcUrl = (target: CellTarget) => `${baseUrl(target)}/rpc/${target.id}`;

const ethersClient: MatrixClient = {
  name: 'ethers',
  kind: 'rpc',
  failures: RPC,
  order: (target) => {
    const request = new FetchRequest(rpcUrl(target));
    request.timeout = clientTimeout(target.failure);
    const network = Network.from(1);
    const provider = new JsonRpcProvider(request, network, { staticNetwork: network });
    const wallet = new Wallet(SIGNING_KEY, provider);
    // Every attempt signs afresh (a new nonce from the node), as an application's send does.
    return async () => {
      // Fees and gas given, as a trading bot does: only the nonce comes from the node.
      const tx = await wallet.sendTransaction({
        to: TO,
        value: 1n,
        gasLimit: 21_000n,
        maxFeePerGas: 2n,
        maxPriorityFeePerGas: 1n,
        chainId: 1,
      });
      return tx.hash;
    };
  },
};

const viemClient: MatrixClient = {
  name: 'viem',
  kind: 'rpc',
  failures: RPC,
  order: (target) => {
    const client = createWalletClient({
      account: ACCOUNT,
      chain: mainnet,
      // viem retries reads on its own (3 times, 150 ms doubling); retries are tenacious's job here.
      transport: viemHttp(rpcUrl(target), {
        timeout: clientTimeout(target.failure),
        retryCount: 0,
      }),
    });
    // Fees and gas given, as a trading bot does: only the nonce comes from the node.
    return () =>
      client.sendTransaction({
        to: TO,
        value: parseEther('0.000001'),
        gas: 21_000n,
        maxFeePerGas: 2n,
        maxPriorityFeePerGas: 1n,
      });
  },
};

/** What a Bybit v5 order meets: Bybit's answers, a reset after it executed, and a refusal. */
const BYBIT: readonly Failure[] = [
  'bybit-10000-after-execute',
  'bybit-170007-after-execute',
  'bybit-10016-write',
  'bybit-10006',
  'bybit-403',
  'bybit-110072-after-execute',
  'reset-after-read',
  'connection-refused',
];

const bybitOrder = (orderLinkId: string) => ({
  category: 'linear' as const,
  symbol: 'BTCUSDT',
  side: 'Buy' as const,
  orderType: 'Market' as const,
  qty: '0.001',
  orderLinkId,
});

/** bybit-api resolves `{ retCode ≠ 0 }` answers by default: the matrix sees them as values. */
const bybitApiClient: MatrixClient = {
  name: 'bybit-api RestClientV5',
  kind: 'rest',
  failures: BYBIT,
  order: (target) => {
    const client = new RestClientV5(
      { key: API_KEY, secret: API_SECRET, baseUrl: baseUrl(target) },
      { timeout: clientTimeout(target.failure) },
    );
    return () => client.submitOrder(bybitOrder(target.id));
  },
};

/** A two-order batch (`cellN-a`, `cellN-b`) through bybit-api, which resolves the answer. */
const bybitBatchClient: MatrixClient = {
  name: 'bybit-api batchSubmitOrders',
  kind: 'rest',
  failures: ['bybit-batch-placed-and-10006', 'bybit-batch-all-10006'],
  order: (target) => {
    const client = new RestClientV5(
      { key: API_KEY, secret: API_SECRET, baseUrl: baseUrl(target) },
      { timeout: clientTimeout(target.failure) },
    );
    const orders = [bybitOrder(`${target.id}-a`), bybitOrder(`${target.id}-b`)];
    return () => client.batchSubmitOrders('linear', orders);
  },
};

/** Plain fetch against Bybit's REST: the Response is returned unread, the engine reads a clone. */
const bybitFetchClient: MatrixClient = {
  name: 'fetch (Bybit)',
  kind: 'rest',
  failures: BYBIT,
  order:
    (target) =>
    ({ signal }) =>
      withTimeout(signal, clientTimeout(target.failure), (timed) =>
        fetch(`${baseUrl(target)}/v5/order/create`, {
          method: 'POST',
          body: JSON.stringify(bybitOrder(target.id)),
          headers: { 'content-type': 'application/json' },
          signal: timed,
        }),
      ),
};

/** Every client of the matrix, in table order. */
export const MATRIX_CLIENTS: readonly MatrixClient[] = [
  fetchClient,
  axiosClient,
  gotClient,
  undiciClient,
  binanceSpotClient,
  binanceFuturesClient,
  ccxtClient,
  ethersClient,
  viemClient,
  ...OKX_MATRIX_CLIENTS,
  bybitApiClient,
  bybitFetchClient,
  bybitBatchClient,
];
