import { causeChain } from '../core/redaction/safe-read.js';
import { safeGet } from '../core/redaction/redact.js';
import type { Verdict } from '../core/types.js';

/**
 * Signs, on a client's error, that the client already retried the request by itself before it
 * threw. Wrapped in tenacious's own attempts, such a client multiplies them (AWS SDK: 3 x 4 = 12
 * requests per call), so the classifiers put what they find here on the verdict
 * (`clientRetried`) and the engine logs one warning per operation naming the setting below.
 *
 * ccxt shows nothing on its errors, but its exchange's options say whether it retries
 * ({@link ccxtConfiguredRetries}). Clients that show nothing at all (viem's HTTP transport,
 * ethers' `FetchRequest`) are listed in docs/aws.md, "No stacked retries", with the setting that
 * turns their retries off.
 */

/** What a verdict's `clientRetried` holds. */
export type ClientRetried = NonNullable<Verdict['clientRetried']>;

interface ClientRetrySign {
  /** The setting that turns the client's own retries off, as the warning names it. */
  readonly setting: string;
  /** Attempts the client made for this error, if the error is this client's. */
  readonly attempts: (item: unknown) => number | undefined;
}

const count = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;

/** One row per client; the first whose sign is on the error wins. */
const CLIENT_RETRY_SIGNS: readonly ClientRetrySign[] = /* @__PURE__ */ Object.freeze([
  {
    // AWS SDK v3: the retry middleware sets `$metadata.attempts` (total, first included) on the
    // error it rethrows (`@smithy/middleware-retry` retryMiddleware). Default `maxAttempts` 3.
    setting: 'AWS SDK client option `maxAttempts: 1`',
    attempts: (item) => count(safeGet(safeGet(item, '$metadata'), 'attempts')),
  },
  {
    // got: `error.request.retryCount`, the retries made so far (got `core/index.js`, Request
    // `retryCount`). Default `retry.limit` 2 for GET, PUT, HEAD, DELETE, OPTIONS, TRACE [GOT].
    setting: 'got option `retry: { limit: 0 }`',
    attempts: (item) => {
      const retries = count(safeGet(safeGet(item, 'request'), 'retryCount'));
      return retries === undefined ? undefined : retries + 1;
    },
  },
  {
    // axios-retry: its interceptor keeps `config['axios-retry'].retryCount`, the retries made
    // (softonic/axios-retry `src/index.ts`, `namespace`, `setCurrentState`). Default `retries` 3.
    setting: 'axios-retry option `retries: 0`',
    attempts: (item) => {
      const retries = count(safeGet(safeGet(safeGet(item, 'config'), 'axios-retry'), 'retryCount'));
      return retries === undefined ? undefined : retries + 1;
    },
  },
]);

/**
 * How many attempts the wrapped client made by itself for `error` (looked for along the `cause`
 * chain), and the setting that turns its retries off; `undefined` when it made one attempt or
 * shows nothing. Never throws.
 *
 * @example
 * ```ts
 * clientRetriesOf(s3Error); // { attempts: 3, setting: 'AWS SDK client option `maxAttempts: 1`' }
 * ```
 */
export function clientRetriesOf(error: unknown): ClientRetried | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  for (const item of causeChain(error)) {
    for (const sign of CLIENT_RETRY_SIGNS) {
      const attempts = sign.attempts(item);
      if (attempts === undefined) continue;
      return attempts > 1 ? { attempts, setting: sign.setting } : undefined;
    }
  }
  return undefined;
}

/**
 * ccxt keeps no count on its errors, but it retries only when the exchange's
 * `options.maxRetriesOnFailure` is above 0, and then every `OperationFailed` it throws has been
 * sent that many more times (ccxt 4.5 `js/src/base/Exchange.js` `fetch2`). A per-call `params.maxRetriesOnFailure` is not seen. Returns what
 * the exchange is configured to do, or `undefined` when it does not retry.
 *
 * @example
 * ```ts
 * ccxtConfiguredRetries(new ccxt.binance({ options: { maxRetriesOnFailure: 2 } }));
 * // { attempts: 3, setting: 'ccxt option `maxRetriesOnFailure: 0`' }
 * ```
 */
export function ccxtConfiguredRetries(exchange: unknown): ClientRetried | undefined {
  const retries = count(safeGet(safeGet(exchange, 'options'), 'maxRetriesOnFailure'));
  return retries === undefined || retries === 0
    ? undefined
    : { attempts: retries + 1, setting: 'ccxt option `maxRetriesOnFailure: 0`' };
}

/**
 * `verdict` with `clientRetried` set when the client behind `error` already retried by itself;
 * `verdict` itself (no allocation) otherwise.
 *
 * @example
 * ```ts
 * return withClientRetries({ action: 'retry', reason: 'http:503' }, error);
 * ```
 */
export function withClientRetries<V extends Verdict | undefined>(verdict: V, error: unknown): V {
  if (verdict === undefined) return verdict;
  const clientRetried = clientRetriesOf(error);
  return clientRetried === undefined ? verdict : { ...verdict, clientRetried };
}
