import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { DexRejectionError } from '../../src/dex/index.js';
import { useInstantRetries } from '../../src/testing/index.js';
import type * as AdapterModule from './fixtures/extended-adapter.js';

/**
 * The README's adapter example (fixtures/extended-adapter.ts), run against a local venue that
 * speaks Extended's REST envelope (`{ status: 'OK' | 'ERROR', data?, error?: { code, message } }`).
 * The runner's transform leaves decorators to Node, which has none yet, so the fixture is
 * compiled by TypeScript (standard decorators) into out/ (gitignored) and imported from there;
 * its `../../../src` imports reach the same library source. The project's `tsc` type-checks it.
 */

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'out');
let ExtendedAdapter: typeof AdapterModule.ExtendedAdapter;
type Order = AdapterModule.Order;

async function compileAdapter(): Promise<void> {
  const source = readFileSync(join(here, 'fixtures', 'extended-adapter.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      experimentalDecorators: false,
    },
  });
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'extended-adapter.js');
  writeFileSync(file, outputText);
  ({ ExtendedAdapter } = (await import(pathToFileURL(file).href)) as typeof AdapterModule);
}

// A tiny venue: orders are recorded even when the reply is held back.
const orders = new Map<string, { id: number; externalId: string }>();
let holdNextOrderReply = false;
let positionsFailures = 0;
let orderPosts = 0;
let server: http.Server;
let baseUrl: string;

beforeAll(async () => {
  await compileAdapter();
  server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      const send = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method === 'POST' && req.url === '/user/order') {
        orderPosts++;
        const order = JSON.parse(text) as Order;
        if (order.qty === '0') {
          send(400, { status: 'ERROR', error: { code: 1121, message: 'Invalid quantity' } });
          return;
        }
        const placed = { id: orders.size + 1, externalId: order.externalId };
        orders.set(order.externalId, placed);
        if (holdNextOrderReply) {
          holdNextOrderReply = false;
          // The order is on the book, but the connection drops before the answer: the client
          // sent it and never hears back (no timer, so no race on a busy machine).
          req.socket.destroy();
          return;
        }
        send(200, { status: 'OK', data: placed });
        return;
      }
      if (req.method === 'GET' && req.url?.startsWith('/user/orders/external/')) {
        const found = orders.get(req.url.slice('/user/orders/external/'.length));
        if (found === undefined)
          send(404, { status: 'ERROR', error: { code: 404, message: 'Order not found' } });
        else send(200, { status: 'OK', data: found });
        return;
      }
      if (req.method === 'GET' && req.url === '/user/positions') {
        if (positionsFailures > 0) {
          positionsFailures--;
          send(503, { status: 'ERROR', error: { code: 503, message: 'Service unavailable' } });
          return;
        }
        send(200, { status: 'OK', data: [{ market: 'BTC-USD', size: '0.1' }] });
        return;
      }
      send(404, { status: 'ERROR', error: { code: 404, message: 'Not found' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

let restore: () => void;
beforeEach(() => {
  orders.clear();
  orderPosts = 0;
  holdNextOrderReply = false;
  positionsFailures = 0;
  restore = useInstantRetries();
  return () => restore();
});

afterAll(async () => {
  rmSync(outDir, { recursive: true, force: true });
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('an adapter with @retryable methods throwing the hierarchy', () => {
  const order: Order = {
    externalId: 'ext-1',
    market: 'BTC-USD',
    side: 'BUY',
    qty: '0.1',
    price: '60000',
  };

  it('reconciles an order whose answer never came by its external id instead of placing it twice', async () => {
    holdNextOrderReply = true;
    const adapter = new ExtendedAdapter(baseUrl);
    await expect(adapter.executeOrder(order)).resolves.toEqual({ id: 1, externalId: 'ext-1' });
    expect(orderPosts).toBe(1);
  });

  it('places an order once when the venue answers', async () => {
    const adapter = new ExtendedAdapter(baseUrl);
    await expect(adapter.executeOrder(order)).resolves.toEqual({ id: 1, externalId: 'ext-1' });
    expect(orderPosts).toBe(1);
  });

  it('does not retry a rejected order', async () => {
    const adapter = new ExtendedAdapter(baseUrl);
    const error = await adapter.executeOrder({ ...order, qty: '0' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DexRejectionError);
    expect(error).toMatchObject({ code: 1121, status: 400, venue: 'extended' });
    expect(orderPosts).toBe(1);
  });

  it('retries a read after a 503', async () => {
    positionsFailures = 2;
    const adapter = new ExtendedAdapter(baseUrl);
    await expect(adapter.getPositions()).resolves.toEqual([{ market: 'BTC-USD', size: '0.1' }]);
    expect(positionsFailures).toBe(0);
  });
});
