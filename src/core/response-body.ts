import type { Classifier } from './types.js';

/**
 * A fetch `Response` carries its verdict in its body on venues that answer errors with HTTP 200
 * (OKX `{ code: "51000" }`, Bybit `{ retCode: 10006 }`) or with a status that alone misleads
 * (Binance -1007 on HTTP 400: execution unknown). Classifiers are synchronous, so the engine reads
 * the body first: when a classifier of the run is marked with {@link readsResponseBody}, a fetch
 * `Response` returned by an attempt (or found on a thrown error's `response`, as ky's `HTTPError`
 * has it) is read once through `clone()`, and the classifier finds the text with
 * {@link responseBodyText}. The caller still gets an unread `Response`.
 */

const READS_BODY = Symbol.for('tenacious.readsResponseBody');

/** Bodies read for classification, shared by every copy of the package in the process. */
const BODIES_KEY = Symbol.for('tenacious.responseBodies.v1');
const bodies: WeakMap<object, string | null> = ((globalThis as Record<symbol, unknown>)[
  BODIES_KEY
] ??= new WeakMap<object, string | null>()) as WeakMap<object, string | null>;

/** A body larger than this is not kept for classification: venue error bodies are small. */
export const MAX_CLASSIFIED_BODY_CHARS = 64 * 1024;

/**
 * Marks a classifier as one that reads fetch `Response` bodies, so the engine reads them before
 * calling it. The mark is a `Symbol.for` property, so it holds across copies of the package.
 *
 * @example
 * ```ts
 * const classify = readsResponseBody((outcome) => {
 *   const body = outcome.ok ? responseBodyText(outcome.value) : undefined;
 *   return body?.includes('"code":"50004"') ? { action: 'unknown', reason: 'okx:50004' } : undefined;
 * });
 * ```
 */
export function readsResponseBody<C extends Classifier<any>>(classifier: C): C {
  Object.defineProperty(classifier, READS_BODY, { value: true });
  return classifier;
}

/** True for a classifier marked with {@link readsResponseBody}. */
export function isBodyReader(classifier: Classifier<any>): boolean {
  return (classifier as { [READS_BODY]?: boolean })[READS_BODY] === true;
}

/** True for a WHATWG fetch `Response` (Node's undici one, or any with the same shape). */
export function isFetchResponse(value: unknown): value is Response {
  if (value === null || typeof value !== 'object') return false;
  const r = value as Partial<Record<keyof Response, unknown>>;
  try {
    return (
      typeof r.status === 'number' &&
      typeof r.clone === 'function' &&
      typeof r.text === 'function' &&
      typeof r.bodyUsed === 'boolean' &&
      r.headers !== null &&
      typeof r.headers === 'object'
    );
  } catch {
    // A hostile getter is not a Response.
    return false;
  }
}

/**
 * The body text of a `Response` read for classification, or `undefined` when it was not read
 * (no body reader in the run, the body was already used, too large, or reading it failed).
 *
 * @example
 * ```ts
 * const text = responseBodyText(response); // '{"code":"51149","msg":"Order timed out…"}'
 * ```
 */
export function responseBodyText(response: unknown): string | undefined {
  if (response === null || typeof response !== 'object') return undefined;
  return bodies.get(response) ?? undefined;
}

/**
 * Reads the body of the `Response` in an attempt's outcome (its value, or its error's
 * `response`), once, through a clone. Never throws: a body that cannot be read is `undefined`.
 */
export async function readOutcomeBody(failed: boolean, result: unknown): Promise<void> {
  let response: unknown = result;
  if (failed) {
    try {
      response = (result as { response?: unknown } | null | undefined)?.response;
    } catch {
      return;
    }
  }
  if (!isFetchResponse(response) || bodies.has(response)) return;
  let text: string | null = null;
  try {
    if (!response.bodyUsed) {
      const read = await response.clone().text();
      text = read.length <= MAX_CLASSIFIED_BODY_CHARS ? read : null;
    }
  } catch {
    // An aborted or broken body stream: classify on the status and headers alone.
  }
  bodies.set(response, text);
}
