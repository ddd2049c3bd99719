import { afterEach, describe, expect, it } from 'vitest';
import { webhookAlert } from '../../src/alerts/index.js';
import { onExhausted, retry } from '../../src/index.js';
import { retryMetrics } from '../../src/metrics/index.js';
import { instantClock } from '../../src/testing/index.js';
import { captureWarnings } from '../helpers/warnings.js';
import { json, startServer } from './support.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A service run that gives up after two failed attempts, alerted on through a local webhook. */
async function exhaustedRunAlerted(answers: number[]): Promise<void> {
  const server = await startServer((_req, res, index) => json(res, answers[index] ?? 200, {}));
  cleanups.push(() => server.close());
  const clock = instantClock();
  const alert = webhookAlert({ url: `${server.url}/hook`, format: 'json', throttleMs: 0, clock });
  cleanups.push(onExhausted(alert));
  await retry(() => Promise.reject(new Error('503')), {
    operation: 'place_order',
    maxAttempts: 2,
    clock,
  }).catch(() => undefined);
  await alert.flush();
  expect(server.requests).toHaveLength(Math.max(answers.length, 1));
}

describe("an alert delivery's own retry", () => {
  it("is not counted in attempts_total as the service's attempts", async () => {
    const metrics = retryMetrics();
    cleanups.push(metrics.stop);

    await exhaustedRunAlerted([]);

    expect(metrics.snapshot().attempts_total).toEqual([
      { labels: { operation: 'place_order', outcome: 'retry' }, value: 1 },
      { labels: { operation: 'place_order', outcome: 'exhausted' }, value: 1 },
    ]);
  });

  it('is not counted as retries or exhaustions when the delivery itself is retried and fails', async () => {
    const metrics = retryMetrics();
    cleanups.push(metrics.stop);
    const warnings = captureWarnings();

    await exhaustedRunAlerted([500, 500, 500]);

    const snapshot = metrics.snapshot();
    expect(snapshot.retries_total).toEqual([{ labels: { operation: 'place_order' }, value: 1 }]);
    expect(snapshot.exhausted_total).toEqual([
      { labels: { operation: 'place_order', reason: 'attempts' }, value: 1 },
    ]);
    expect(warnings.map((w) => w.message)).toEqual([
      'tenacious: webhook:json alert about place_order not delivered after 3 attempt(s) (http:500): AlertDeliveryError: webhook:json answered HTTP 500',
    ]);
  });
});
