/**
 * Testing your own adapter against a simulated venue: the real `binance` client talks to
 * `startVenue` (`tenacious/simulator`), which executes the order and then drops the connection
 * (`reset-after-execute`). The test asserts what matters: the venue executed the order once,
 * and the reconcile ran. docs/testing.md shows this file (imports as `tenacious/…`), and
 * test/examples/testing-doc.test.ts keeps the two the same.
 *
 * Run with `npx vitest run examples/testing-your-adapter.test.ts`.
 */
import { MainClient } from 'binance';
import { expect, it, vi } from 'vitest';
import { retry } from '../src/index.js';
import { binancePresets } from '../src/binance/index.js';
import { startVenue } from '../src/simulator/index.js';

it('places the order once through a reset after execution', async () => {
  const script = { 'POST /api/v3/order': ['reset-after-execute' as const] };
  const venue = await startVenue({ venue: 'binance-spot', script });
  const client = new MainClient({ api_key: 'k', api_secret: 's', baseUrl: venue.url });
  const id = `${client.getOrderIdPrefix()}order-1`;
  const order = { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: 1 } as const;
  const lookUp = () => client.getOrder({ symbol: 'BTCUSDT', origClientOrderId: id });
  const reconcile = vi.fn(async () => ({ executed: true as const, value: await lookUp() }));
  const place = () => client.submitNewOrder({ ...order, newClientOrderId: id });
  await retry<unknown>(place, { ...binancePresets.binanceOrder, reconcile });
  expect([venue.executions(id), reconcile.mock.calls.length]).toEqual([1, 1]);
  await venue.close();
});
