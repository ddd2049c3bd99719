import axios from 'axios';
import got from 'got';
import { Agent, fetch as undiciFetch, request as undiciRequest } from 'undici';

/** Client timeout used against the hanging server (real time, so short). */
export const CLIENT_TIMEOUT_MS = 150;

/**
 * One real HTTP client, driven the way an application would call it, so that the same
 * scenarios run against every client.
 */
export interface HttpClient {
  name: string;
  /** GET `url`; resolves with what the client returns (a response or data). */
  get(url: string, signal: AbortSignal): Promise<unknown>;
  /** POST a small JSON body to `url`. */
  post(url: string, signal: AbortSignal): Promise<unknown>;
  /** GET with the client's own short timeout. */
  getWithTimeout(url: string): Promise<unknown>;
  /** The status of a resolved result. */
  statusOf(result: unknown): number;
  /** True when the client returns 4xx/5xx responses instead of throwing (fetch, undici.request). */
  returnsErrorStatuses: boolean;
  /** The verdict reason when the server destroys the socket before answering. */
  resetReason: string;
  /** The verdict reason when the client's own timeout fires. */
  timeoutReason: string;
  /** Releases pooled connections. */
  close(): Promise<void>;
}

const body = JSON.stringify({ symbol: 'BTCUSDT', side: 'BUY' });
const jsonHeaders = { 'content-type': 'application/json' };

export function nodeFetchClient(): HttpClient {
  return {
    name: 'Node fetch',
    get: (url, signal) => fetch(url, { signal }),
    post: (url, signal) => fetch(url, { method: 'POST', body, headers: jsonHeaders, signal }),
    getWithTimeout: (url) => fetch(url, { signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS) }),
    statusOf: (result) => (result as Response).status,
    returnsErrorStatuses: true,
    resetReason: 'network:UND_ERR_SOCKET',
    timeoutReason: 'network:TimeoutError',
    close: async () => {},
  };
}

export function undiciFetchClient(): HttpClient {
  // Only the call meant to time out has the short timeout: on a busy machine an ordinary answer
  // can take longer than it.
  const dispatcher = new Agent();
  const timing = new Agent({ headersTimeout: CLIENT_TIMEOUT_MS });
  return {
    name: 'undici fetch',
    get: (url, signal) => undiciFetch(url, { signal, dispatcher }),
    post: (url, signal) =>
      undiciFetch(url, { method: 'POST', body, headers: jsonHeaders, signal, dispatcher }),
    getWithTimeout: (url) => undiciFetch(url, { dispatcher: timing }),
    statusOf: (result) => (result as { status: number }).status,
    returnsErrorStatuses: true,
    resetReason: 'network:UND_ERR_SOCKET',
    timeoutReason: 'network:UND_ERR_HEADERS_TIMEOUT',
    close: async () => {
      await Promise.all([dispatcher.close(), timing.close()]);
    },
  };
}

export function undiciRequestClient(): HttpClient {
  const dispatcher = new Agent();
  // The body is read inside the attempt, as an application would; statusCode and headers stay.
  const call = async (url: string, options: Parameters<typeof undiciRequest>[1]) => {
    const {
      statusCode,
      headers,
      body: stream,
    } = await undiciRequest(url, { ...options, dispatcher });
    return { statusCode, headers, text: await stream.text() };
  };
  return {
    name: 'undici.request',
    get: (url, signal) => call(url, { signal }),
    post: (url, signal) => call(url, { method: 'POST', body, headers: jsonHeaders, signal }),
    getWithTimeout: (url) => call(url, { headersTimeout: CLIENT_TIMEOUT_MS }),
    statusOf: (result) => (result as { statusCode: number }).statusCode,
    returnsErrorStatuses: true,
    resetReason: 'network:UND_ERR_SOCKET',
    timeoutReason: 'network:UND_ERR_HEADERS_TIMEOUT',
    close: () => dispatcher.close(),
  };
}

export function axiosClient(): HttpClient {
  return {
    name: 'axios',
    get: (url, signal) => axios.get(url, { signal }),
    post: (url, signal) => axios.post(url, body, { headers: jsonHeaders, signal }),
    getWithTimeout: (url) => axios.get(url, { timeout: CLIENT_TIMEOUT_MS }),
    statusOf: (result) => (result as { status: number }).status,
    returnsErrorStatuses: false,
    resetReason: 'network:ECONNRESET',
    timeoutReason: 'network:ECONNABORTED',
    close: async () => {},
  };
}

export function gotClient(): HttpClient {
  // got retries on its own by default: limit 0 leaves retrying to tenacious.
  const client = got.extend({ retry: { limit: 0 } });
  return {
    name: 'got',
    get: (url, signal) => client.get(url, { signal }),
    post: (url, signal) => client.post(url, { body, headers: jsonHeaders, signal }),
    getWithTimeout: (url) => client.get(url, { timeout: { request: CLIENT_TIMEOUT_MS } }),
    statusOf: (result) => (result as { statusCode: number }).statusCode,
    returnsErrorStatuses: false,
    resetReason: 'network:ECONNRESET',
    timeoutReason: 'network:ETIMEDOUT',
    close: async () => {},
  };
}

/** Every client, by name, for `describe.each`. */
export const clients: readonly (readonly [string, () => HttpClient])[] = [
  ['Node fetch', nodeFetchClient],
  ['undici fetch', undiciFetchClient],
  ['undici.request', undiciRequestClient],
  ['axios', axiosClient],
  ['got', gotClient],
];
