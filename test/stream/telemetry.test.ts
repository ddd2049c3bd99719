import { createServer } from 'node:http';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { constant } from '../../src/index.js';
import { telegramAlert } from '../../src/alerts/index.js';
import { retryMetrics } from '../../src/metrics/index.js';
import { onStreamDown, onStreamUp, supervise, websocket } from '../../src/stream/index.js';
import { instantClock } from '../../src/testing/index.js';
import { listenOnLoopback } from '../helpers/listen.js';
import { startStreamServer } from '../helpers/stream-server.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A stream refused 5 times 10 s apart, then open: down reported at 30 s, up at 50 s. */
async function outage(operation: string) {
  const server = await startStreamServer();
  cleanups.push(() => server.close());
  server.refuse(503);
  const s = supervise(
    ({ signal, alive, attempt }) => {
      if (attempt === 6) server.accept();
      return websocket(new WebSocket(server.url), { signal, alive });
    },
    { operation, clock: instantClock(0), backoff: constant(10_000) },
  );
  cleanups.push(() => s.stop());
  await s.ready();
  return { server, supervisor: s };
}

describe('stream events in alerts', () => {
  it('sends one telegram message per outage and one when back', async () => {
    const texts: string[] = [];
    const http = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += String(c)));
      req.on('end', () => {
        texts.push((JSON.parse(body) as { text: string }).text.split('\n')[0]!);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    const { url, close } = await listenOnLoopback(http);
    cleanups.push(close);
    const alert = telegramAlert({ botToken: '123:abc', chatId: 1, apiBaseUrl: url });
    cleanups.push(onStreamDown(alert), onStreamUp(alert));
    await outage('binance-trades');
    await alert.flush();
    expect(texts).toEqual([
      'STREAM DOWN: binance-trades for 30 s, 3 reconnects',
      'STREAM UP: binance-trades back after 50 s, 6 reconnects',
    ]);
  });
});

describe('stream metrics', () => {
  it('counts reconnects by reason and keeps stream_up, in a prom-client registry', async () => {
    const registry = new Registry();
    const metrics = retryMetrics({ registry });
    cleanups.push(() => metrics.stop());
    const { server, supervisor } = await outage('binance-trades');
    server.drop();
    await new Promise<void>((resolve) => {
      const stop = supervisor.onStateChange(({ to }) => {
        if (to === 'open') {
          stop();
          resolve();
        }
      });
    });
    const reconnects = await registry.getSingleMetric('stream_reconnects_total')!.get();
    const upBefore = (await registry.getSingleMetric('stream_up')!.get()).values.map(
      (v) => v.value,
    );
    await supervisor.stop();
    const upAfter = (await registry.getSingleMetric('stream_up')!.get()).values.map((v) => v.value);
    expect({
      reconnects: reconnects.values.map((v) => [v.labels, v.value]),
      upBefore,
      upAfter,
    }).toEqual({
      reconnects: [[{ operation: 'binance-trades', reason: 'closed' }, 1]],
      upBefore: [1],
      upAfter: [0],
    });
  });
});
