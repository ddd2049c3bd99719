import diagnosticsChannel from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { webhookAlert, type AlertDeliveryEvent } from '../../src/alerts/index.js';
import {
  constant,
  onExhausted,
  retry,
  type ExhaustedEvent,
  type RetryEvent,
} from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';
import { startServer } from '../alerts/support.js';

/** Subscribes to a channel for the duration of `body`. */
async function listen<E>(name: string, body: (events: E[]) => Promise<void>): Promise<void> {
  const events: E[] = [];
  const onMessage = (message: unknown) => events.push(message as E);
  diagnosticsChannel.subscribe(name, onMessage);
  try {
    await body(events);
  } finally {
    diagnosticsChannel.unsubscribe(name, onMessage);
  }
}

describe('node:diagnostics_channel', () => {
  it('publishes every retry on tenacious:retry', async () => {
    const error = new Error('503');
    await listen<RetryEvent>('tenacious:retry', async (events) => {
      let calls = 0;
      await retry(
        () => {
          calls += 1;
          if (calls < 3) throw error;
          return 'ok';
        },
        { operation: 'get_ticker', maxAttempts: 4, backoff: constant(100), clock: instantClock() },
      );

      expect(events).toHaveLength(2);
      expect(events[0]).toMatchObject({
        operation: 'get_ticker',
        attempt: 1,
        maxAttempts: 4,
        delayMs: 100,
        verdict: { action: 'unknown', reason: 'unclassified' },
        error,
        elapsedMs: 0,
      });
      expect(events[1]).toMatchObject({ attempt: 2, delayMs: 100, elapsedMs: 100 });
    });
  });

  it('publishes every exhaustion on tenacious:exhausted', async () => {
    const error = new Error('503');
    await listen<ExhaustedEvent>('tenacious:exhausted', async (events) => {
      await retry(
        () => {
          throw error;
        },
        { operation: 'place_order', maxAttempts: 3, backoff: constant(100), clock: instantClock() },
      ).catch(() => undefined);

      expect(events).toEqual([
        {
          operation: 'place_order',
          attempts: 3,
          elapsedMs: 200,
          error,
          verdict: { action: 'unknown', reason: 'unclassified' },
          reason: 'attempts',
        },
      ]);
    });
  });

  it('publishes each alert delivery outcome on tenacious:alert', async () => {
    const server = await startServer();
    const alert = webhookAlert({ url: `${server.url}/hook`, format: 'json', throttleMs: 0 });
    const unsubscribe = onExhausted(alert);
    try {
      await listen<AlertDeliveryEvent>('tenacious:alert', async (events) => {
        await retry(
          () => {
            throw new Error('503');
          },
          {
            operation: 'place_order',
            maxAttempts: 2,
            backoff: constant(100),
            clock: instantClock(),
          },
        ).catch(() => undefined);
        await alert.flush();

        expect(events).toMatchObject([
          { channel: 'webhook:json', ok: true, operation: 'place_order', attempts: 1 },
        ]);
      });
    } finally {
      unsubscribe();
      await server.close();
    }
  });
});
