import { createConnection } from 'node:net';
import { expect, it } from 'vitest';
import { binanceClassifier, binancePresets } from '../../src/binance/index.js';
import { httpClassifier } from '../../src/http/index.js';
import { retry } from '../../src/index.js';
import { startVenue, type VenueFault } from '../../src/simulator/index.js';
import { instantClock, seededRandom } from '../../src/testing/index.js';

/**
 * 1,000 orders from 20 concurrent clients, 10 % of order requests meeting a fault (after the
 * venue executed, or before), on the instant clock: every order is executed exactly once, the
 * reconciles account for every unknown outcome, and close() leaves nothing listening.
 */

const ORDERS = 1000;
const CLIENTS = 20;
const FAULTS: VenueFault[] = [
  'reset-after-execute',
  '503-after-execute',
  '-1007-after-execute',
  '429',
];

it('executes 1,000 orders from 20 clients exactly once each through a 10 % fault rate', async () => {
  const random = seededRandom(2026);
  // Enough steps for every first attempt and every retry; the script ends with 'ok'.
  const steps: VenueFault[] = Array.from({ length: ORDERS * 2 }, () =>
    random() < 0.1 ? FAULTS[Math.floor(random() * FAULTS.length)]! : 'ok',
  );
  const venue = await startVenue({
    venue: 'binance-spot',
    script: { 'POST /api/v3/order': steps },
  });
  const clock = instantClock();
  let reconciles = 0;

  const place = async (id: string) => {
    const query = new URLSearchParams({
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'MARKET',
      quantity: '0.001',
      newClientOrderId: id,
    });
    const res = await fetch(`${venue.url}/api/v3/order?${query}`, { method: 'POST' });
    await res.clone().arrayBuffer();
    return res;
  };
  const find = async (id: string) => {
    const res = await fetch(`${venue.url}/api/v3/order?symbol=BTCUSDT&origClientOrderId=${id}`);
    return res.ok ? ((await res.json()) as { clientOrderId: string }) : undefined;
  };

  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      for (let n = 0; n < ORDERS / CLIENTS; n++) {
        const id = `c${client}-${n}`;
        await retry<unknown>(() => place(id), {
          ...binancePresets.binanceOrder,
          classify: [binanceClassifier(), httpClassifier()],
          maxAttempts: 10,
          clock,
          reconcile: async () => {
            reconciles += 1;
            const found = await find(id);
            return found === undefined ? { executed: false } : { executed: true, value: found };
          },
        });
      }
    }),
  );

  const orders = venue.orders();
  const faultsMet = steps.slice(0, venue.requests('POST /api/v3/order')).filter((s) => s !== 'ok');
  const afterExecute = faultsMet.filter((s) => s.endsWith('-after-execute')).length;
  expect({
    orders: orders.length,
    distinct: new Set(orders.map((o) => o.clientOrderId)).size,
    executedOnce: orders.every((o) => venue.executions(o.clientOrderId) === 1),
    // Every fault after execution is an unknown outcome that a reconcile settled.
    reconciles,
  }).toEqual({ orders: ORDERS, distinct: ORDERS, executedOnce: true, reconciles: afterExecute });
  // The seeded script: 99 faults among the 1,021 order requests (21 of them 429s, each resent).
  expect([faultsMet.length, venue.requests('POST /api/v3/order')]).toEqual([99, 1021]);

  await venue.close();
  const port = Number(new URL(venue.url).port);
  const code = await new Promise<string | undefined>((resolve) => {
    const socket = createConnection(port, '127.0.0.1');
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code));
    socket.on('connect', () => {
      socket.destroy();
      resolve('connected');
    });
  });
  expect(code).toBe('ECONNREFUSED');
}, 60_000);
