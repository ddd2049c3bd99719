import { RestClient } from 'okx-api';
import { withTimeout } from '../helpers/with-timeout.js';
import type { MatrixClient } from './clients.js';
import type { FailureSpec, Venue } from './venue.js';

/**
 * The OKX entries of the safety matrix: the venue's failures for `POST /api/v5/trade/order`
 * (OKX's answer shapes, OKXDOC; okx-api's handling, OKXAPI) and the clients that meet them (the
 * okx-api `RestClient` and plain fetch). Cells are told apart by the order's `clOrdId`.
 */

export type OkxFailure =
  | 'okx-50004-after-execute'
  | 'okx-51149-after-execute'
  | 'okx-50001-after-execute'
  | 'okx-50011-at-429'
  | 'okx-50011-at-200'
  | 'okx-51016-duplicate-after-execute'
  | 'okx-reset-after-execute'
  | 'okx-refused';

const error = (code: string, msg: string) => ({ code, msg, data: [] });

/** OKXDOC's texts; the HTTP statuses are those the reference gives each code. */
export const OKX_FAILURES: Readonly<Record<OkxFailure, FailureSpec>> = {
  'okx-50004-after-execute': {
    executes: true,
    answer: {
      kind: 'http',
      status: 400,
      body: error(
        '50004',
        'API endpoint request timeout. (does not mean that the request was successful or failed, please check the request result).',
      ),
    },
  },
  'okx-51149-after-execute': {
    executes: true,
    answer: {
      kind: 'http',
      status: 500,
      body: error(
        '51149',
        'Order timed out. Please try again. (does not mean that the request was successful or failed, please check the request result)',
      ),
    },
  },
  'okx-50001-after-execute': {
    executes: true,
    answer: {
      kind: 'http',
      status: 503,
      body: error('50001', 'Service temporarily unavailable. Please try again later.'),
    },
  },
  'okx-50011-at-429': {
    executes: false,
    answer: { kind: 'http', status: 429, body: error('50011', 'Too Many Requests') },
  },
  'okx-50011-at-200': {
    executes: false,
    answer: { kind: 'http', status: 200, body: error('50011', 'Rate limit reached.') },
  },
  // An order with this clOrdId is open: the venue placed it (the answer comes with HTTP 200).
  'okx-51016-duplicate-after-execute': {
    executes: true,
    answer: {
      kind: 'http',
      status: 200,
      body: {
        code: '1',
        msg: 'All operations failed',
        data: [{ clOrdId: '', ordId: '', tag: '', sCode: '51016', sMsg: 'Duplicated clOrdId' }],
      },
    },
  },
  'okx-reset-after-execute': { executes: true, answer: { kind: 'destroy' } },
  'okx-refused': { executes: false, answer: { kind: 'refused' } },
};

const OKX_FAILURE_NAMES = Object.keys(OKX_FAILURES) as OkxFailure[];

/** True for a request to the OKX order endpoint. */
export const isOkxOrder = (path: string) => path === '/api/v5/trade/order';

/** OKX's answer to a placed order (OKXDOC place order). */
export function okxPlaced(clOrdId: string | undefined, n: number) {
  return {
    code: '0',
    msg: '',
    data: [{ clOrdId, ordId: String(5000 + n), tag: '', sCode: '0', sMsg: 'Order placed' }],
  };
}

const API_KEY = '0b4a0c2e-8d1f-4b6e-a9c3-5e7f1d2b3a4c';
const API_SECRET = '8C5E1B0A9F7D3E2C6B4A1F0E9D8C7B6A';
const API_PASS = 'matrix-Passphrase-1';
const LONG_TIMEOUT_MS = 10_000;

const baseUrl = (venue: Venue, failure: string) =>
  failure === 'okx-refused' ? venue.refusedUrl : venue.url;

const okxOrder = (clOrdId: string) => ({
  instId: 'BTC-USDT',
  tdMode: 'cash' as const,
  side: 'buy' as const,
  ordType: 'market' as const,
  sz: '0.001',
  clOrdId,
});

const okxApiClient: MatrixClient = {
  name: 'okx-api RestClient',
  kind: 'rest',
  failures: OKX_FAILURE_NAMES,
  order: ({ venue, id, failure }) => {
    const client = new RestClient(
      {
        apiKey: API_KEY,
        apiSecret: API_SECRET,
        apiPass: API_PASS,
        baseUrl: baseUrl(venue, failure),
      },
      { timeout: LONG_TIMEOUT_MS },
    );
    return () => client.submitOrder(okxOrder(id));
  },
};

const okxFetchClient: MatrixClient = {
  name: 'fetch (okx)',
  kind: 'rest',
  failures: OKX_FAILURE_NAMES,
  order:
    ({ venue, id, failure }) =>
    async ({ signal }) => {
      return withTimeout(signal, LONG_TIMEOUT_MS, async (timed) => {
        const res = await fetch(`${baseUrl(venue, failure)}/api/v5/trade/order`, {
          method: 'POST',
          body: JSON.stringify(okxOrder(id)),
          headers: { 'content-type': 'application/json' },
          signal: timed,
        });
        // An application reads the body inside the attempt (a clone, so it can be classified).
        await res.clone().arrayBuffer();
        return res;
      });
    },
};

/** The OKX clients of the matrix, in table order. */
export const OKX_MATRIX_CLIENTS: readonly MatrixClient[] = [okxApiClient, okxFetchClient];
