/**
 * The rows of every comparison, configured as equivalently as the libraries allow. Each row's
 * options object (or policy) is built once, outside the measured loop, as a careful user would
 * hoist it; `config` is the text printed beside the row in the report.
 */
import retryAsync from 'async-retry';
import { ConstantBackoff, handleAll, retry as cockatielRetry } from 'cockatiel';
import { backOff } from 'exponential-backoff';
import pRetry from 'p-retry';
import { constant, none, retry } from '../../src/index.js';
import { minimalRetry, minimalTimedRetry } from './floor.js';

/** A unit of work as every library accepts it (extra arguments are ignored). */
export type Work = () => Promise<unknown>;

export const ROW_IDS = [
  'bare',
  'floor',
  'floor-timed',
  'tenacious',
  'p-retry',
  'p-retry-full',
  'cockatiel',
  'exponential-backoff',
  'async-retry',
] as const;
export type RowId = (typeof ROW_IDS)[number];

/** The rows that are other libraries (what tenacious is compared against). */
export const PEER_IDS: readonly RowId[] = [
  'p-retry',
  'p-retry-full',
  'cockatiel',
  'exponential-backoff',
  'async-retry',
];

export const LABELS: Readonly<Record<RowId, string>> = {
  bare: 'bare `await fn()`',
  floor: 'minimal loop (floor)',
  'floor-timed': 'minimal loop + time budget',
  tenacious: 'tenacious',
  'p-retry': 'p-retry (sparse options)',
  'p-retry-full': 'p-retry (all options given)',
  cockatiel: 'cockatiel',
  'exponential-backoff': 'exponential-backoff',
  'async-retry': 'async-retry',
};

export interface Contender {
  readonly id: RowId;
  /** The configuration, as code, for the report. */
  readonly config: string;
  /** Runs `fn` under this row's retry policy. */
  readonly call: (fn: Work) => Promise<unknown>;
}

/** Total attempts (first included) and the constant delay between them. */
export interface Shape {
  readonly attempts: number;
  readonly delayMs: number;
}

function noop(): void {}
function yes(): boolean {
  return true;
}

/**
 * Every row for one retry shape. The reference rows only where asked: `bare` where a bare call
 * makes sense (no retry happens), `timed` (the floor plus a time budget's clock read) for S1.
 */
export function contenders(shape: Shape, { bare = false, timed = false } = {}): Contender[] {
  const { attempts, delayMs } = shape;
  const retries = attempts - 1;

  const tenaciousOptions = {
    maxAttempts: attempts,
    backoff: delayMs === 0 ? none : constant(delayMs),
  };
  const pRetrySparse = { retries, minTimeout: delayMs, factor: 1 };
  const pRetryFull = {
    retries,
    factor: 1,
    minTimeout: delayMs,
    maxTimeout: Infinity,
    maxRetryTime: Infinity,
    randomize: false,
    onFailedAttempt: noop,
    shouldRetry: yes,
    shouldConsumeRetry: yes,
  };
  // cockatiel's maxAttempts counts retries, not attempts (maxAttempts: 3 makes 4 calls).
  const policy = cockatielRetry(handleAll, {
    maxAttempts: retries,
    backoff: new ConstantBackoff(delayMs),
  });
  const expBackoff = {
    numOfAttempts: attempts,
    startingDelay: delayMs,
    timeMultiple: 1,
    jitter: 'none' as const,
  };
  const asyncRetry = { retries, minTimeout: delayMs, factor: 1, randomize: false };

  const backoffText = delayMs === 0 ? 'none' : `constant(${delayMs})`;
  const rows: Contender[] = [
    {
      id: 'floor',
      config: `\`minimalRetry(fn, ${attempts}, ${delayMs})\`: for-loop, try/await/catch, \`setTimeout\` only when delay > 0`,
      call: (fn) => minimalRetry(fn, attempts, delayMs),
    },
    {
      id: 'tenacious',
      config: `\`retry(fn, opts)\`, hoisted \`opts = { maxAttempts: ${attempts}, backoff: ${backoffText} }\`, real clock`,
      call: (fn) => retry(fn, tenaciousOptions),
    },
    {
      id: 'p-retry',
      config: `\`pRetry(fn, { retries: ${retries}, minTimeout: ${delayMs}, factor: 1 })\` (hoisted)`,
      call: (fn) => pRetry(fn, pRetrySparse),
    },
    {
      id: 'p-retry-full',
      config: `\`pRetry(fn, opts)\`, hoisted opts giving all nine defaults: retries ${retries}, factor 1, minTimeout ${delayMs}, maxTimeout/maxRetryTime Infinity, randomize false, no-op onFailedAttempt, shouldRetry/shouldConsumeRetry → true`,
      call: (fn) => pRetry(fn, pRetryFull),
    },
    {
      id: 'cockatiel',
      config: `\`retry(handleAll, { maxAttempts: ${retries}, backoff: new ConstantBackoff(${delayMs}) })\` built once, \`policy.execute(fn)\``,
      call: (fn) => policy.execute(fn),
    },
    {
      id: 'exponential-backoff',
      config: `\`backOff(fn, { numOfAttempts: ${attempts}, startingDelay: ${delayMs}, timeMultiple: 1, jitter: 'none' })\` (hoisted)`,
      call: (fn) => backOff(fn, expBackoff),
    },
    {
      id: 'async-retry',
      config: `\`retry(fn, { retries: ${retries}, minTimeout: ${delayMs}, factor: 1, randomize: false })\` (hoisted)`,
      call: (fn) => retryAsync(fn, asyncRetry),
    },
  ];
  if (timed) {
    rows.splice(1, 0, {
      id: 'floor-timed',
      config: `\`minimalTimedRetry(fn, ${attempts}, ${delayMs}, Infinity)\`: the floor plus \`start = Date.now()\` before the first attempt, checked against the budget before each retry`,
      call: (fn) => minimalTimedRetry(fn, attempts, delayMs, Infinity),
    });
  }
  if (bare) rows.unshift({ id: 'bare', config: '`await fn()`, no retry', call: (fn) => fn() });
  return rows;
}
