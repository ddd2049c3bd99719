import { describe, expect, it } from 'vitest';
import {
  DUPLICATE_CLIENT_ORDER_ID,
  onUnknownOutcome,
  retry,
  UnknownOutcomeError,
  type ReconcileResult,
  type RetryOptions,
  type UnknownOutcomeEvent,
  type Verdict,
} from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';

/** What a venue classifier gives Binance -2010 "Duplicate order sent." (API.md, OKX and Bybit). */
const duplicate: Verdict = { action: 'unknown', reason: DUPLICATE_CLIENT_ORDER_ID };
const classify = (o: { ok: boolean }) => (o.ok ? undefined : duplicate);

/** An order placement whose first `failures` attempts answer "duplicate order", then `placed`. */
function placement(failures: number) {
  const errors: Error[] = [];
  let calls = 0;
  const place = async () => {
    calls++;
    if (calls > failures) return 'placed';
    const error = new Error('Duplicate order sent.');
    errors.push(error);
    throw error;
  };
  return { place, errors, calls: () => calls };
}

/** Runs `place` under `options` and records every unknown-outcome event, per call and process-wide. */
async function runRecorded(place: () => Promise<string>, options: RetryOptions<string>) {
  const hooked: UnknownOutcomeEvent[] = [];
  const heard: UnknownOutcomeEvent[] = [];
  const stop = onUnknownOutcome((event) => heard.push(event));
  try {
    const result = await retry(place, {
      operation: 'place_order',
      classify,
      clock: instantClock(),
      onUnknownOutcome: (event) => hooked.push(event),
      ...options,
    }).catch((error: unknown) => ({ rejected: error }));
    return { result, hooked, heard };
  } finally {
    stop();
  }
}

const found = async (): Promise<ReconcileResult<string>> => ({ executed: true, value: 'order-42' });
const notFound = async (): Promise<ReconcileResult<string>> => ({ executed: false });

describe('a duplicate client order id on an idempotent call', () => {
  it('is not retried: without reconcile the run rejects with UnknownOutcomeError after one attempt', async () => {
    const { place, errors, calls } = placement(Infinity);
    const { result } = await runRecorded(place, {});
    expect(calls()).toBe(1);
    const error = (result as { rejected: UnknownOutcomeError }).rejected;
    expect(error).toBeInstanceOf(UnknownOutcomeError);
    expect({ operation: error.operation, attempt: error.attempt, cause: error.cause }).toEqual({
      operation: 'place_order',
      attempt: 1,
      cause: errors[0],
    });
    expect(error.message).toBe(
      'place_order: outcome unknown after attempt 1 (duplicate-client-order-id); not retried because the venue already has an order with this client order id',
    );
  });

  it('publishes an unreconciled unknown outcome to the hook and the process-wide listeners', async () => {
    const { place, errors } = placement(Infinity);
    const { hooked, heard } = await runRecorded(place, {});
    const event = {
      operation: 'place_order',
      attempt: 1,
      elapsedMs: 0,
      verdict: duplicate,
      error: errors[0],
      resolution: 'unreconciled',
    };
    expect(hooked).toEqual([event]);
    expect(heard).toEqual([event]);
  });

  it('resolves with the order reconcile finds, after one attempt', async () => {
    const { place, calls } = placement(Infinity);
    const { result, hooked } = await runRecorded(place, { reconcile: found });
    expect(result).toBe('order-42');
    expect(calls()).toBe(1);
    expect(hooked.map((e) => e.resolution)).toEqual(['executed']);
  });

  it('is sent again when reconcile finds no order', async () => {
    const { place, calls } = placement(1);
    const { result, hooked } = await runRecorded(place, { reconcile: notFound });
    expect(result).toBe('placed');
    expect(calls()).toBe(2);
    expect(hooked.map((e) => e.resolution)).toEqual(['not-executed']);
  });

  it('leaves other unknown verdicts retried blindly, with no unknown-outcome event', async () => {
    const { place, calls } = placement(1);
    const { result, hooked, heard } = await runRecorded(place, {
      classify: (o) => (o.ok ? undefined : { action: 'unknown', reason: 'http:503' }),
    });
    expect(result).toBe('placed');
    expect(calls()).toBe(2);
    expect([...hooked, ...heard]).toEqual([]);
  });
});

describe('a duplicate client order id on a non-idempotent call', () => {
  it('goes to reconcile like any unknown outcome, which finds the order', async () => {
    const { place, calls } = placement(Infinity);
    const { result, hooked } = await runRecorded(place, { idempotent: false, reconcile: found });
    expect(result).toBe('order-42');
    expect(calls()).toBe(1);
    expect(hooked.map((e) => e.resolution)).toEqual(['executed']);
  });

  it('rejects with UnknownOutcomeError naming the non-idempotent call without reconcile', async () => {
    const { place } = placement(Infinity);
    const { result, heard } = await runRecorded(place, { idempotent: false });
    const error = (result as { rejected: UnknownOutcomeError }).rejected;
    expect(error.message).toBe(
      'place_order: outcome unknown after attempt 1 (duplicate-client-order-id); not retried because the operation is not idempotent',
    );
    expect(heard.map((e) => e.resolution)).toEqual(['unreconciled']);
  });
});
