import { afterEach, describe, expect, it } from 'vitest';
import {
  isUnknownOutcomeEvent,
  telegramAlert,
  throttleAlerts,
  webhookAlert,
  type AlertEvent,
} from '../../src/alerts/index.js';
import type { UnknownOutcomeEvent, UnknownOutcomeResolution } from '../../src/core/types.js';
import { instantClock } from '../../src/testing/index.js';
import { ExchangeError, manualClock, startServer, T0, type TestServer } from './support.js';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const CHAT = -1001234567890;

let server: TestServer | undefined;
const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await server?.close();
  server = undefined;
});

/** An unknown outcome as the engine reports it (an order whose 503 left it unaccounted for). */
function unknownOutcome(
  resolution: UnknownOutcomeResolution,
  fields: Partial<UnknownOutcomeEvent> = {},
): UnknownOutcomeEvent {
  return {
    operation: 'place_order',
    attempt: 1,
    elapsedMs: 120,
    verdict: { action: 'unknown', reason: 'http:503' },
    error: new ExchangeError('503 Service Unavailable'),
    resolution,
    ...fields,
  };
}

describe('telegramAlert and unknown outcomes', () => {
  it('says OUTCOME UNKNOWN first, with the resolution, for an unreconciled order', async () => {
    server = await startServer();
    const alert = telegramAlert({
      botToken: TOKEN,
      chatId: CHAT,
      apiBaseUrl: server.url,
      clock: instantClock(T0),
      hostname: 'trader-1',
    });
    cleanups.push(() => alert.stop());

    alert(unknownOutcome('unreconciled'));
    await alert.flush();

    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.json).toEqual({
      chat_id: CHAT,
      text: [
        'OUTCOME UNKNOWN: place_order (unreconciled)',
        'Resolution: unreconciled (no reconcile; it may or may not have executed: check the venue)',
        'Error: ExchangeError: 503 Service Unavailable',
        'Attempt: 1 after 120 ms',
        'Verdict: unknown (http:503)',
        'Host: trader-1',
        'Time: 2024-05-01T10:02:03.000Z',
      ].join('\n'),
    });
  });

  it("names reconcile's own error, redacted, when reconcile failed", async () => {
    server = await startServer();
    const alert = telegramAlert({
      botToken: TOKEN,
      chatId: CHAT,
      apiBaseUrl: server.url,
      clock: instantClock(T0),
    });
    cleanups.push(() => alert.stop());

    alert(
      unknownOutcome('reconcile-failed', {
        reconcileError: new Error(`lookup failed for https://api.example.com/?signature=abc123def`),
      }),
    );
    await alert.flush();

    const text = server.requests[0]!.json.text as string;
    expect(text.startsWith('OUTCOME UNKNOWN: place_order (reconcile-failed)')).toBe(true);
    expect(text).toContain('Reconcile error: Error: lookup failed');
    expect(text).not.toContain('abc123def');
  });

  it('never holds back an unreconciled or reconcile-failed outcome, whatever throttleMs', async () => {
    server = await startServer();
    const clock = manualClock();
    const alert = telegramAlert({
      botToken: TOKEN,
      chatId: CHAT,
      apiBaseUrl: server.url,
      clock,
      throttleMs: 60_000,
    });
    cleanups.push(() => alert.stop());

    alert(unknownOutcome('unreconciled'));
    alert(unknownOutcome('unreconciled'));
    alert(unknownOutcome('reconcile-failed'));
    alert(unknownOutcome('reconcile-failed'));
    await alert.flush();

    expect(server.requests).toHaveLength(4);
    expect(
      server.requests.every((r) => (r.json.text as string).startsWith('OUTCOME UNKNOWN')),
    ).toBe(true);
  });
});

describe('throttleAlerts and unknown outcomes', () => {
  it('holds back repeats of a reconciled outcome in their own window, apart from exhaustions', async () => {
    const clock = manualClock();
    const received: AlertEvent[] = [];
    const alert = throttleAlerts((event) => void received.push(event), {
      throttleMs: 1000,
      clock,
    });
    cleanups.push(() => alert.stop());

    alert(unknownOutcome('executed'));
    alert(unknownOutcome('executed'));
    alert(unknownOutcome('not-executed'));
    alert({
      operation: 'place_order',
      attempts: 4,
      elapsedMs: 10,
      error: new ExchangeError('503 Service Unavailable'),
      verdict: { action: 'retry', reason: 'http:429' },
      reason: 'attempts',
    });
    expect(received.map((e) => (isUnknownOutcomeEvent(e) ? e.resolution : 'exhausted'))).toEqual([
      'executed',
      'exhausted',
    ]);

    await clock.advance(1000);
    expect(received).toHaveLength(3);
    expect(received[2]).toMatchObject({
      resolution: 'not-executed',
      suppressed: { count: 2 },
    });
  });

  it('passes an unreconciled outcome through while its key has an open window', async () => {
    const clock = manualClock();
    const received: AlertEvent[] = [];
    const alert = throttleAlerts((event) => void received.push(event), {
      throttleMs: 1000,
      clock,
    });
    cleanups.push(() => alert.stop());

    alert(unknownOutcome('executed'));
    alert(unknownOutcome('unreconciled'));
    alert(unknownOutcome('unreconciled'));

    expect(received.map((e) => (e as UnknownOutcomeEvent).resolution)).toEqual([
      'executed',
      'unreconciled',
      'unreconciled',
    ]);
  });
});

describe('webhookAlert and unknown outcomes', () => {
  it('posts the unknown outcome as data in the json format', async () => {
    server = await startServer();
    const alert = webhookAlert({
      url: `${server.url}/hook`,
      format: 'json',
      clock: instantClock(T0),
      hostname: 'trader-1',
    });
    cleanups.push(() => alert.stop());

    alert(unknownOutcome('reconcile-failed', { reconcileError: new Error('venue down') }));
    await alert.flush();

    expect(server.requests[0]!.json).toMatchObject({
      kind: 'unknown-outcome',
      operation: 'place_order',
      attempts: 1,
      elapsedMs: 120,
      reason: 'unknown-outcome',
      resolution: 'reconcile-failed',
      verdict: { action: 'unknown', reason: 'http:503' },
      error: { type: 'ExchangeError', message: '503 Service Unavailable' },
      reconcileError: { type: 'Error', message: 'venue down' },
      host: 'trader-1',
      suppressed: 0,
    });
  });

  it('starts a slack message with OUTCOME UNKNOWN', async () => {
    server = await startServer();
    const alert = webhookAlert({
      url: `${server.url}/hook`,
      format: 'slack',
      clock: instantClock(T0),
    });
    cleanups.push(() => alert.stop());

    alert(unknownOutcome('executed'));
    await alert.flush();

    expect(server.requests[0]!.json.text).toMatch(/^OUTCOME UNKNOWN: place_order \(executed\)\n/);
  });
});
