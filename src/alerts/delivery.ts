import { exponential } from '../core/backoff.js';
import { brand } from '../core/brand.js';
import { markErrorOnly } from '../core/classify.js';
import { RetryExhaustedError } from '../core/errors.js';
import { parseRetryAfter } from '../transport/retry-after.js';
import { causeChain, stringField } from '../core/redaction/safe-read.js';
import { describeError, redactText, safeGet, serializeError } from '../core/redaction/redact.js';
import { isThenable } from '../core/hub.js';
import { retryInternally } from '../core/retry.js';
import type { RetryOptions } from '../core/options.js';
import type { Classifier, Clock, Logger, Verdict } from '../core/types.js';
import { publishAlertDelivery, type AlertChannel } from '../telemetry/alert-delivery-events.js';
import { throttleAlerts } from './throttle.js';
import {
  isStreamEvent,
  type AlertEvent,
  type AlertInput,
  type AlertListener,
  type FetchLike,
  type StreamAlertEvent,
} from './types.js';

/**
 * Background delivery of one alert: a POST with its own small retry (tenacious's own `retry`),
 * never throwing, logging a failure with every secret redacted, and publishing the outcome on
 * the delivery channel for metrics.
 */

/** Alert deliveries run as operations named with this prefix; the adapters ignore their exhaustion. */
export const ALERT_OPERATION_PREFIX = 'tenacious:alert:';

/**
 * True for the exhaustion of an alert delivery itself (never alerted on: no feedback loop).
 *
 * @example
 * ```ts
 * isAlertDeliveryOperation('tenacious:alert:telegram'); // true
 * ```
 */
export function isAlertDeliveryOperation(operation: unknown): boolean {
  return typeof operation === 'string' && operation.startsWith(ALERT_OPERATION_PREFIX);
}

/** Requests per delivery, the first included. */
const MAX_ATTEMPTS = 3;
/** 0.5 s, then 1 s: a short backoff; a server's Retry-After may ask for longer. */
const BACKOFF = exponential({ initial: 500, factor: 2, max: 4000 });
/** A rate limit asking for longer than this ends the delivery (logged) instead of waiting. */
const MAX_RETRY_AFTER_MS = 60_000;
/** How much of an error response body is kept for the log line. */
const MAX_DESCRIPTION = 300;

/**
 * An alert delivery request failed (non-2xx status or network error). Its message and `cause`
 * are already redacted: the raw error never leaves the delivery, because a global exhaustion
 * listener may log it.
 *
 * @example
 * ```ts
 * onExhausted((event) => {
 *   if (event.error instanceof AlertDeliveryError) return; // an alert's own delivery gave up
 *   myPager.send(event);
 * });
 * ```
 */
export class AlertDeliveryError extends Error {
  static {
    brand(this, 'AlertDeliveryError');
  }
  override readonly name = 'AlertDeliveryError';
  readonly channel: AlertChannel;
  /** The HTTP status, when the endpoint answered. */
  readonly status: number | undefined;
  /** How this failure is classified by the delivery retry. */
  readonly verdict: Verdict;

  constructor(fields: {
    channel: AlertChannel;
    message: string;
    verdict: Verdict;
    status?: number;
    cause?: unknown;
  }) {
    super(fields.message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.channel = fields.channel;
    this.status = fields.status;
    this.verdict = fields.verdict;
  }
}

/**
 * What each status means for a delivery. Duplicated alerts are better than lost ones, so 5xx
 * (the message may or may not have been posted) are retried. Other 4xx (bad token, chat not
 * found, bad payload) would fail again: they are not.
 */
const STATUS_ACTIONS: ReadonlyMap<number, Verdict['action']> = new Map([
  [408, 'retry'],
  [425, 'retry'],
  // Telegram Bot API: flood control answers 429 with parameters.retry_after (ResponseParameters).
  // Slack: 429 with a Retry-After header (api.slack.com/apis/rate-limits).
  // Discord: 429 with retry_after in the body and a Retry-After header (developers/docs/topics/rate-limits).
  [429, 'retry'],
]);

/** A non-2xx status's action: {@link STATUS_ACTIONS}, else a 5xx is retried and the rest fail. */
function statusAction(status: number): Verdict['action'] {
  return STATUS_ACTIONS.get(status) ?? (status >= 500 ? 'retry' : 'fail');
}

/**
 * Where a server puts "wait this many seconds" in a JSON error body, checked in order before
 * the `Retry-After` header.
 */
const BODY_RETRY_AFTER_SECONDS: readonly ((body: unknown) => unknown)[] = [
  // Telegram Bot API: ResponseParameters.retry_after, seconds (core.telegram.org/bots/api#responseparameters).
  (body) => safeGet(safeGet(body, 'parameters'), 'retry_after'),
  // Discord: rate limit response body field retry_after, seconds (float).
  (body) => safeGet(body, 'retry_after'),
];

/** Where a server explains an error in a JSON body. */
const BODY_DESCRIPTION_FIELDS = ['description', 'message', 'error'] as const;

/** The JSON in an answer body, or undefined when it is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The wait in ms a server asks for: a JSON body field first, then the `Retry-After` header. */
function retryAfterOf(body: unknown, header: string | null, nowMs: number): number | undefined {
  for (const read of BODY_RETRY_AFTER_SECONDS) {
    const seconds = read(body);
    if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0) {
      return Math.ceil(seconds * 1000);
    }
  }
  return header === null ? undefined : parseRetryAfter(header, nowMs);
}

/** How a server explains an error: a JSON body field, or the body itself when it is not JSON. */
function descriptionOf(body: unknown, text: string): string {
  for (const field of BODY_DESCRIPTION_FIELDS) {
    const value = stringField(body, field);
    if (value !== undefined && value !== '') return value;
  }
  return body === undefined ? text.trim() : '';
}

/** `network:ECONNREFUSED` from the first `code` on the cause chain, else `network:error`. */
function networkReason(err: unknown): string {
  for (const link of causeChain(err)) {
    const code = stringField(link, 'code');
    if (code !== undefined && /^[A-Z][A-Z0-9_]+$/.test(code)) return `network:${code}`;
  }
  return 'network:error';
}

/** Delivery errors carry their verdict; anything else (an attempt timeout) gets the default rule. */
const deliveryClassifier: Classifier = markErrorOnly((outcome) => {
  if (outcome.ok) return undefined;
  return outcome.error instanceof AlertDeliveryError ? outcome.error.verdict : undefined;
});

/** Where and how one adapter delivers. */
export interface DeliveryTarget {
  channel: AlertChannel;
  /** The full URL (may contain a secret). */
  url: string;
  /** A loggable name for the endpoint (its origin). */
  endpoint: string;
  headers: Record<string, string>;
  /** Literal secrets redacted from every log line and error message. */
  secrets: readonly string[];
  fetch: FetchLike;
  clock: Clock | undefined;
  logger: Logger | undefined;
  attemptTimeoutMs: number;
}

/**
 * Returns `send(event, body)`: posts `body` as JSON to the target with retries and resolves
 * when done, whatever happened. It never rejects.
 *
 * @example
 * ```ts
 * const send = createSender({ channel: 'webhook:json', url, endpoint: new URL(url).origin, headers: {}, secrets: [],
 *   fetch, clock: undefined, logger: undefined, attemptTimeoutMs: 10_000 });
 * await send(event, { text: 'place_order gave up' });
 * ```
 */
export function createSender(
  target: DeliveryTarget,
): (event: AlertEvent | StreamAlertEvent, body: unknown) => Promise<void> {
  const now = () => (target.clock ?? Date).now();
  const retryOptions = deliveryRetryOptions(target);
  return async (event, body) => {
    const startedMs = now();
    let attempts = 0;
    const about = redactText(String(event.operation), target.secrets);
    try {
      const payload = JSON.stringify(body);
      // tenacious's own run: not one of the service's attempts, nor part of its trace.
      await retryInternally((ctx) => {
        attempts = ctx.attempt;
        return postOnce(target, payload, ctx.signal, now);
      }, retryOptions);
      reportDelivered(target, { operation: about, attempts, elapsedMs: now() - startedMs });
    } catch (err) {
      reportFailed(target, { operation: about, attempts, elapsedMs: now() - startedMs }, err);
    }
  };
}

/** The options of a delivery's own retry, built once per sender. */
function deliveryRetryOptions(target: DeliveryTarget): RetryOptions<void> {
  return {
    operation: `${ALERT_OPERATION_PREFIX}${target.channel}`,
    maxAttempts: MAX_ATTEMPTS,
    backoff: BACKOFF,
    classify: deliveryClassifier,
    attemptTimeoutMs: target.attemptTimeoutMs,
    maxRetryAfterMs: MAX_RETRY_AFTER_MS,
    unref: true,
    ...(target.clock === undefined ? {} : { clock: target.clock }),
  };
}

/** What an endpoint answered one request. */
interface Answer {
  status: number;
  retryAfterHeader: string | null;
  text: string;
}

/** One delivery attempt: no answer or a non-2xx one throws an {@link AlertDeliveryError}. */
async function postOnce(
  target: DeliveryTarget,
  payload: string,
  signal: AbortSignal,
  now: () => number,
): Promise<void> {
  let answer: Answer;
  try {
    answer = await post(target, payload, signal);
  } catch (err) {
    throw networkFailure(target, err);
  }
  if (answer.status >= 200 && answer.status < 300) return;
  throw answerFailure(target, answer, now);
}

/** Posts `payload` to the target and reads the whole answer. */
async function post(target: DeliveryTarget, payload: string, signal: AbortSignal): Promise<Answer> {
  const response = await target.fetch(target.url, {
    method: 'POST',
    headers: target.headers,
    body: payload,
    signal,
  });
  const status = response.status;
  const retryAfterHeader = response.headers.get('retry-after');
  // Reading the body releases the connection; error bodies explain the failure.
  const text = await response.text();
  return { status, retryAfterHeader, text };
}

/** A request that got no answer: retried, its reason named after the network error's code. */
function networkFailure({ channel, secrets }: DeliveryTarget, err: unknown): AlertDeliveryError {
  return new AlertDeliveryError({
    channel,
    message: `${channel} request failed: ${describeError(err, secrets)}`,
    verdict: { action: 'retry', reason: networkReason(err) },
    cause: serializeError(err, secrets),
  });
}

/** A non-2xx answer: its status's verdict, the server's wait, its explanation redacted. */
function answerFailure(
  { channel, secrets }: DeliveryTarget,
  { status, retryAfterHeader, text }: Answer,
  now: () => number,
): AlertDeliveryError {
  const body = parseJson(text);
  const action = statusAction(status);
  const retryAfterMs = action === 'retry' ? retryAfterOf(body, retryAfterHeader, now()) : undefined;
  const description = redactText(descriptionOf(body, text).slice(0, MAX_DESCRIPTION), secrets);
  const verdict: Verdict = { action, reason: `http:${status}` };
  if (retryAfterMs !== undefined) verdict.retryAfterMs = retryAfterMs;
  return new AlertDeliveryError({
    channel,
    status,
    message: `${channel} answered HTTP ${status}${description ? `: ${description}` : ''}`,
    verdict,
  });
}

/** What is reported of a delivery, whatever its outcome; `operation` is already redacted. */
interface DeliveryReport {
  operation: string;
  attempts: number;
  elapsedMs: number;
}

/** Publishes a delivery the endpoint accepted, and logs it at debug. */
function reportDelivered(target: DeliveryTarget, report: DeliveryReport): void {
  const { channel } = target;
  publishAlertDelivery({ channel, ok: true, ...report });
  const { operation, attempts } = report;
  log(
    target.logger,
    'debug',
    { channel, endpoint: target.endpoint, operation, attempts },
    'tenacious: alert delivered',
  );
}

/** Publishes a failed delivery and logs it, redacted (a process warning without a logger). */
function reportFailed(target: DeliveryTarget, report: DeliveryReport, err: unknown): void {
  const { channel, secrets } = target;
  const reason = failureReason(err);
  publishAlertDelivery({ channel, ok: false, ...report, reason });
  const { operation, attempts } = report;
  if (target.logger === undefined) {
    warn(
      `tenacious: ${channel} alert about ${operation} not delivered after ${attempts} attempt(s) (${reason}): ${describeError(innermost(err), secrets)}`,
    );
    return;
  }
  const fields = {
    channel,
    endpoint: target.endpoint,
    operation,
    attempts,
    reason,
    err: serializeError(err, secrets),
  };
  log(target.logger, 'error', fields, 'tenacious: alert delivery failed');
}

/** The last attempt's verdict reason, or what stopped the delivery. */
function failureReason(err: unknown): string {
  const last = err instanceof RetryExhaustedError ? err.cause : err;
  if (last instanceof AlertDeliveryError) return last.verdict.reason;
  const name = safeGet(last, 'name');
  if (name === 'AttemptTimeoutError') return 'attempt-timeout';
  return typeof name === 'string' && name !== '' ? name : 'error';
}

/** The last attempt's error of an exhausted delivery, else the error itself. */
function innermost(err: unknown): unknown {
  return err instanceof RetryExhaustedError && err.cause !== undefined ? err.cause : err;
}

/** Writes one line to `logger`, if any; a throwing logger is ignored. */
function log(
  logger: Logger | undefined,
  level: 'debug' | 'error',
  fields: object,
  message: string,
): void {
  if (logger === undefined) return;
  try {
    const result: unknown = logger[level](fields, message);
    // A failing logger, sync or async, must not turn into a failing delivery or an unhandled
    // rejection.
    if (isThenable(result)) result.then(undefined, () => {});
  } catch {
    // As above.
  }
}

/** Emits a process warning; nothing here may throw. */
function warn(message: string): void {
  try {
    process.emitWarning(message, 'TenaciousWarning');
  } catch {
    // Nothing else to report to.
  }
}

/**
 * The listener an adapter returns: `deliver` behind {@link throttleAlerts}, ignoring the
 * exhaustion of alert deliveries themselves (a failed delivery is logged and counted, never
 * alerted on, so two broken channels cannot feed each other).
 *
 * @example
 * ```ts
 * const alert = adapterListener((event) => send(event, render(event)), { throttleMs: 60_000, clock: undefined, logger });
 * ```
 */
export function adapterListener(
  deliver: (event: AlertEvent | StreamAlertEvent) => Promise<void>,
  options: { throttleMs: number; clock: Clock | undefined; logger: Logger | undefined },
): AlertListener {
  const streamDeliveries = new Set<Promise<void>>();
  const throttled = throttleAlerts(deliver, {
    throttleMs: options.throttleMs,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  let stopped = false;
  const listener = (event: AlertInput | StreamAlertEvent): void => {
    if (typeof event !== 'object' || event === null || isAlertDeliveryOperation(event.operation))
      return;
    if (isStreamEvent(event)) {
      // One message per outage and one when back, as the supervisor reports them: not throttled.
      if (stopped) return;
      const delivery = deliver(event).catch(() => {});
      streamDeliveries.add(delivery);
      void delivery.then(() => streamDeliveries.delete(delivery));
      return;
    }
    throttled(event);
  };
  return Object.assign(listener, {
    flush: async () => {
      await Promise.all([throttled.flush(), ...streamDeliveries]);
    },
    stop: () => {
      stopped = true;
      throttled.stop();
    },
    close: () => {
      stopped = true;
      throttled.close();
    },
  });
}
