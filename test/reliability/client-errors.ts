import { createServer, type Server } from 'node:http';
import axios from 'axios';
import { MainClient } from 'binance';
import * as ccxt from 'ccxt';
import { FetchRequest, JsonRpcProvider, Network, Wallet } from 'ethers';
import got from 'got';
import { Agent, fetch as undiciFetch, request as undiciRequest } from 'undici';
import { createPublicClient, http as viemHttp } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { mainnet } from 'viem/chains';
import { listenOnLoopback } from '../helpers/listen.js';

/**
 * A corpus of real error objects: each real client (axios, got, undici, Node's fetch, the
 * `binance` package, ccxt, ethers, viem) fails against a local node:http server while sending
 * signed requests that carry an API key header, an HMAC `signature=`, a Bearer token, an RPC key
 * in the path, a Telegram bot token, a webhook secret and a private key. What each client threw
 * (or, for fetch, the failed `Response` it returned) is kept as is.
 */

/** Every secret the requests carry (fixed: the corpus is built once per file). */
export const SECRETS = {
  apiKey: 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A',
  apiSecret: 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j',
  signature: 'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71',
  bearer: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0cmFkZXItMSJ9.Q2hhbmdlTWVQbGVhc2VTM2NyM3Q',
  rpcKey: 'Zk3pQ8vW2xR7nT5mL9cB4hJ6gF1dS0aY',
  botToken: '7264351890:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ',
  webhookSecret: 'whsec_4f9Kx2LmQ8rT1vZ7nB3cY6pD0sW5hJ',
  privateKey: '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318',
} as const;

/** A transaction hash: same shape as a private key, and must stay readable. */
export const TX_HASH = '0x88df016429689c079f3b2f6ad39fa052532c56795b733da78a91ebe6a713944b';

export interface ClientFailure {
  client: string;
  scenario: string;
  /** What the client threw, or the failed value it returned (`kind: 'value'`). */
  thrown: unknown;
  kind: 'error' | 'value';
}

export interface Corpus {
  failures: ClientFailure[];
  /** The fixed secrets plus the signatures the binance client and ccxt computed. */
  secrets: string[];
  close(): Promise<void>;
}

const CLIENT_TIMEOUT_MS = 50;
/** Clients that must not time out wait this long (the machine may be busy). */
const PATIENT_MS = 10_000;
const JSON_HEADERS = { 'content-type': 'application/json' };

/** Request headers every client sends. */
const HEADERS = {
  'X-MBX-APIKEY': SECRETS.apiKey,
  Authorization: `Bearer ${SECRETS.bearer}`,
  'X-Webhook-Secret': SECRETS.webhookSecret,
};
/** A body carrying a labelled private key (a signer service's request). */
const SIGNER_BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'eth_sendRawTransaction',
  params: [TX_HASH],
  privateKey: SECRETS.privateKey,
});

/**
 * The local server: the path picks the behaviour. `/reset` destroys the socket, `/hang` never
 * answers, `/html` answers 503 with an HTML page, `/s503` 503 with a Binance `{code,msg}`,
 * `/echo` 404 with the path echoed (as Express does), `/rpcerr` a JSON-RPC error; anything else
 * 401 with Binance's -2015.
 */
async function startServer(signatures: Set<string>) {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const sig = url.searchParams.get('signature');
    if (sig !== null) signatures.add(sig);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = url.pathname;
      if (path.includes('/reset')) return void req.socket.destroy();
      if (path.includes('/hang')) return;
      if (path.includes('/html')) {
        res.writeHead(503, { 'content-type': 'text/html' });
        return void res.end(
          '<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>',
        );
      }
      if (path.includes('/s503')) {
        res.writeHead(503, JSON_HEADERS);
        return void res.end(JSON.stringify({ code: -1003, msg: 'Too much request weight used' }));
      }
      if (path.includes('/echo')) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        return void res.end(`Cannot ${req.method} ${req.url}`);
      }
      if (path.includes('/rpcerr')) {
        // Every call of a (batched) request answered with geth's "nonce too low".
        let calls: unknown;
        try {
          calls = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          calls = {};
        }
        const answer = (call: unknown) => ({
          jsonrpc: '2.0',
          id: (call as { id?: unknown }).id ?? null,
          error: { code: -32000, message: 'nonce too low' },
        });
        res.writeHead(200, JSON_HEADERS);
        return void res.end(
          JSON.stringify(Array.isArray(calls) ? calls.map(answer) : answer(calls)),
        );
      }
      res.writeHead(401, JSON_HEADERS);
      res.end(
        JSON.stringify({ code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' }),
      );
    });
  });
  return listenOnLoopback(server);
}

/** A port on 127.0.0.1 that refuses connections. */
async function refusedBase(): Promise<string> {
  const probe = createServer();
  const { url, close } = await listenOnLoopback(probe);
  await close();
  return url;
}

type Scenario = [client: string, scenario: string, run: () => Promise<unknown>, kind?: 'value'];

/**
 * Builds the corpus: every client fails every way it can against the local server (in parallel;
 * the timeouts are 50 ms).
 *
 * @example
 * ```ts
 * const corpus = await buildCorpus();
 * for (const { client, thrown } of corpus.failures) …
 * await corpus.close();
 * ```
 */
export async function buildCorpus(): Promise<Corpus> {
  const signatures = new Set<string>();
  const { url: base, close } = await startServer(signatures);
  const refused = await refusedBase();
  const signed = `/api/v3/order?symbol=BTCUSDT&timestamp=1700000000000&signature=${SECRETS.signature}`;
  const rpc = `/v2/${SECRETS.rpcKey}`;
  const telegram = `/bot${SECRETS.botToken}/sendMessage`;
  const agent = new Agent({ headersTimeout: CLIENT_TIMEOUT_MS });
  const gotClient = got.extend({ retry: { limit: 0 }, headers: HEADERS });

  const ethersProvider = (url: string) => {
    const request = new FetchRequest(url);
    request.retryFunc = async () => false;
    request.timeout = url.includes('/hang') ? CLIENT_TIMEOUT_MS : PATIENT_MS;
    request.setHeader('Authorization', `Bearer ${SECRETS.bearer}`);
    return new JsonRpcProvider(request, 1, { staticNetwork: Network.from(1), cacheTimeout: -1 });
  };
  const providers: JsonRpcProvider[] = [];
  const ethersCall = async (url: string, call: (p: JsonRpcProvider) => Promise<unknown>) => {
    const provider = ethersProvider(url);
    providers.push(provider);
    return call(provider);
  };
  const viemClient = (url: string) =>
    createPublicClient({
      chain: mainnet,
      cacheTime: 0,
      transport: viemHttp(url, {
        retryCount: 0,
        timeout: url.includes('/hang') ? CLIENT_TIMEOUT_MS : PATIENT_MS,
        fetchOptions: { headers: HEADERS },
      }),
    });
  const account = privateKeyToAccount(SECRETS.privateKey);
  const signedTx = () =>
    account.signTransaction({
      to: `0x${'22'.repeat(20)}`,
      value: 1n,
      nonce: 0,
      gas: 21000n,
      maxFeePerGas: 2n,
      maxPriorityFeePerGas: 1n,
      chainId: 1,
    });
  // ccxt exchanges are slow to construct: made before any request is in flight, so that the
  // construction does not hold the event loop while the other clients' timers run.
  const ccxtBinance = (prefix: string, timeout = PATIENT_MS) => {
    const exchange = new ccxt.binance({
      apiKey: SECRETS.apiKey,
      secret: SECRETS.apiSecret,
      timeout,
    });
    const urls = exchange.urls as { api: Record<string, string> };
    urls.api = Object.fromEntries(Object.keys(urls.api).map((k) => [k, `${base}${prefix}/api/v3`]));
    return exchange as unknown as { privateGetAccount(): Promise<unknown> };
  };
  const exchanges = [
    ccxtBinance('/html'),
    ccxtBinance(''),
    ccxtBinance('/reset'),
    ccxtBinance('/hang', CLIENT_TIMEOUT_MS),
  ];
  const binanceClient = (prefix: string) =>
    new MainClient(
      { api_key: SECRETS.apiKey, api_secret: SECRETS.apiSecret, baseUrl: `${base}${prefix}` },
      { timeout: prefix === '/hang' ? CLIENT_TIMEOUT_MS : PATIENT_MS },
    );

  const scenarios: Scenario[] = [
    ['axios', 'signed GET, 503', () => axios.get(`${base}/s503${signed}`, { headers: HEADERS })],
    [
      'axios',
      'signer POST to an RPC path, 401',
      () => axios.post(`${base}${rpc}`, SIGNER_BODY, { headers: { ...HEADERS, ...JSON_HEADERS } }),
    ],
    ['axios', 'Telegram sendMessage, 401', () => axios.post(`${base}${telegram}`, { text: 'hi' })],
    ['axios', 'socket reset', () => axios.get(`${base}/reset${signed}`, { headers: HEADERS })],
    [
      'axios',
      'client timeout',
      () => axios.get(`${base}/hang${rpc}`, { headers: HEADERS, timeout: CLIENT_TIMEOUT_MS }),
    ],
    ['axios', 'connection refused', () => axios.get(`${refused}${signed}`, { headers: HEADERS })],
    ['axios', 'echoed path, 404', () => axios.get(`${base}/echo${rpc}`, { headers: HEADERS })],
    ['got', 'signed GET, 503', () => gotClient.get(`${base}/s503${signed}`)],
    [
      'got',
      'signer POST to an RPC path, 401',
      () => gotClient.post(`${base}${rpc}`, { body: SIGNER_BODY, headers: JSON_HEADERS }),
    ],
    ['got', 'Telegram sendMessage, 401', () => gotClient.post(`${base}${telegram}`)],
    ['got', 'socket reset', () => gotClient.get(`${base}/reset${signed}`)],
    [
      'got',
      'client timeout',
      () => gotClient.get(`${base}/hang${rpc}`, { timeout: { request: CLIENT_TIMEOUT_MS } }),
    ],
    ['got', 'connection refused', () => gotClient.get(`${refused}${signed}`)],
    [
      'undici.request',
      'socket reset',
      () => undiciRequest(`${base}/reset${signed}`, { headers: HEADERS, dispatcher: agent }),
    ],
    [
      'undici.request',
      'headers timeout',
      () => undiciRequest(`${base}/hang${rpc}`, { headers: HEADERS, dispatcher: agent }),
    ],
    [
      'undici.request',
      'connection refused',
      () => undiciRequest(`${refused}${signed}`, { headers: HEADERS }),
    ],
    [
      'undici fetch',
      'socket reset',
      () => undiciFetch(`${base}/reset${signed}`, { headers: HEADERS }),
    ],
    [
      'undici fetch',
      'headers timeout',
      () => undiciFetch(`${base}/hang${rpc}`, { headers: HEADERS, dispatcher: agent }),
    ],
    [
      'undici fetch',
      'connection refused',
      () => undiciFetch(`${refused}${telegram}`, { headers: HEADERS }),
    ],
    ['fetch', 'socket reset', () => fetch(`${base}/reset${signed}`, { headers: HEADERS })],
    [
      'fetch',
      'AbortSignal.timeout',
      () =>
        fetch(`${base}/hang${rpc}`, {
          headers: HEADERS,
          signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
        }),
    ],
    ['fetch', 'connection refused', () => fetch(`${refused}${telegram}`, { headers: HEADERS })],
    [
      'fetch',
      'signed GET, 503 response',
      () => fetch(`${base}/s503${signed}`, { headers: HEADERS }),
      'value',
    ],
    [
      'fetch',
      'RPC POST, 401 response',
      () => fetch(`${base}${rpc}`, { method: 'POST', body: SIGNER_BODY, headers: HEADERS }),
      'value',
    ],
    ['binance', 'signed GET, 503', () => binanceClient('/s503').getAccountInformation()],
    ['binance', 'signed GET, 401 -2015', () => binanceClient('').getAccountInformation()],
    ['binance', 'socket reset', () => binanceClient('/reset').getAccountInformation()],
    ['binance', 'client timeout', () => binanceClient('/hang').getAccountInformation()],
    ['ccxt', 'signed GET, 503 HTML', () => exchanges[0]!.privateGetAccount()],
    ['ccxt', 'signed GET, 401 -2015', () => exchanges[1]!.privateGetAccount()],
    ['ccxt', 'socket reset', () => exchanges[2]!.privateGetAccount()],
    ['ccxt', 'client timeout', () => exchanges[3]!.privateGetAccount()],
    ['ethers', 'RPC 503', () => ethersCall(`${base}/s503${rpc}`, (p) => p.getBlockNumber())],
    ['ethers', 'socket reset', () => ethersCall(`${base}/reset${rpc}`, (p) => p.getBlockNumber())],
    ['ethers', 'client timeout', () => ethersCall(`${base}/hang${rpc}`, (p) => p.getBlockNumber())],
    [
      'ethers',
      'JSON-RPC error on a signed transaction',
      () =>
        ethersCall(`${base}/rpcerr${rpc}`, async (p) => {
          const wallet = new Wallet(SECRETS.privateKey, p);
          return wallet.sendTransaction({
            to: `0x${'22'.repeat(20)}`,
            value: 1n,
            nonce: 0,
            gasLimit: 21000n,
            maxFeePerGas: 2n,
            maxPriorityFeePerGas: 1n,
            chainId: 1n,
            type: 2,
          });
        }),
    ],
    [
      'ethers',
      'echoed path, 404',
      () => ethersCall(`${base}/echo${rpc}`, (p) => p.getBlockNumber()),
    ],
    ['viem', 'RPC 503', () => viemClient(`${base}/s503${rpc}`).getBlockNumber()],
    ['viem', 'socket reset', () => viemClient(`${base}/reset${rpc}`).getBlockNumber()],
    ['viem', 'client timeout', () => viemClient(`${base}/hang${rpc}`).getBlockNumber()],
    [
      'viem',
      'JSON-RPC error on a signed transaction',
      async () =>
        viemClient(`${base}/rpcerr${rpc}`).sendRawTransaction({
          serializedTransaction: await signedTx(),
        }),
    ],
    ['viem', 'echoed path, 404', () => viemClient(`${base}/echo${rpc}`).getBlockNumber()],
  ];

  const failures = await Promise.all(
    scenarios.map(async ([client, scenario, run, kind]): Promise<ClientFailure> => {
      let value: unknown;
      try {
        value = await run();
      } catch (thrown) {
        if (kind === 'value') throw thrown;
        return { client, scenario, thrown, kind: 'error' };
      }
      if (kind === 'value') return { client, scenario, thrown: value, kind: 'value' };
      throw new Error(`${client} ${scenario}: expected a failure`);
    }),
  );
  for (const p of providers) p.destroy();
  return {
    failures,
    secrets: [...Object.values(SECRETS), ...signatures],
    close: async () => {
      await agent.close();
      await close();
    },
  };
}
