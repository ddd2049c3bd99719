import type { Dialect, Reply, RouteKind } from './dialect.js';
import type { SimulatedOrder } from './order-book.js';

/**
 * OKX v5 order routes (OKXDOC trade: place order, order details, cancel order, pending orders):
 * `{ code, msg, data }` with `code` a string; order results carry per-item `sCode`/`sMsg`, and a
 * failed order is `code: "1"` with HTTP 200. OKX sends no usage headers (OKXDOC rate limits).
 *
 * Faults in OKX's words (venues.md §4): 503-after-execute → HTTP 503 50001; -1007-after-execute
 * → HTTP 400 50004 "API endpoint request timeout (does not mean that the request was successful
 * or failed…)"; 429 → HTTP 429 50011; 418 → OKX documents no IP-ban status, so HTTP 429 50011
 * with `Retry-After: 120` (a long rate limit); reject:<code> → an 51xxx code on the item
 * (`code: "1"`, HTTP 200), any other code at the top level with its documented HTTP status.
 */

const MESSAGES: Readonly<Record<string, string>> = {
  '50001': 'Service temporarily unavailable. Please try again later.',
  '50004':
    'API endpoint request timeout. (does not mean that the request was successful or failed, please check the request result).',
  '50011': 'Too Many Requests',
  '50013': 'Systems are busy. Please try again later.',
  '50061': "You've reached the maximum order rate limit for this account.",
  '50102': 'Timestamp request expired.',
  '50111': 'Invalid OK-ACCESS-KEY.',
  '50113': 'Invalid signature.',
  '51000': 'Parameter error.',
  '51008': 'Order failed. Insufficient USDT balance in account.',
  '51016': 'Client order ID already exists.',
  '51149':
    'Order timed out. Please try again. (does not mean that the request was successful or failed, please check the request result)',
  '51400': 'Order cancellation failed as the order has been filled, canceled or does not exist.',
  '51603': 'Order does not exist',
};

/** HTTP statuses OKX gives top-level codes (venues.md §4); others come with 200. */
const STATUSES: Readonly<Record<string, number>> = {
  '50001': 503,
  '50004': 400,
  '50011': 429,
  '50013': 429,
  '50102': 401,
  '50111': 401,
  '50113': 401,
  '51149': 500,
};

const message = (code: string) => MESSAGES[code] ?? 'Operation failed.';
const top = (code: string, headers?: Record<string, string>): Reply => ({
  status: STATUSES[code] ?? 200,
  body: { code, msg: message(code), data: [] },
  headers,
});
/** A failed order item: `code: "1"`, HTTP 200 (OKXDOC place order). */
const item = (code: string, clOrdId: string, ordId = ''): Reply => ({
  status: 200,
  body: {
    code: '1',
    msg: 'All operations failed',
    data: [{ clOrdId, ordId, tag: '', ts: String(Date.now()), sCode: code, sMsg: message(code) }],
    inTime: String(Date.now() * 1000),
    outTime: String(Date.now() * 1000),
  },
});
const ok = (data: unknown[]): Reply => ({ status: 200, body: { code: '0', msg: '', data } });

const STATE = { open: 'live', filled: 'filled', canceled: 'canceled' } as const;

const render = (o: SimulatedOrder) => ({
  instId: o.symbol,
  instType: 'SPOT',
  ordId: String(o.orderId),
  clOrdId: o.clientOrderId,
  tag: '',
  px: o.price,
  sz: o.quantity,
  ordType: o.type,
  side: o.side,
  tdMode: 'cash',
  state: STATE[o.status],
  accFillSz: o.status === 'filled' ? o.quantity : '0',
  fillSz: o.status === 'filled' ? o.quantity : '0',
  avgPx: o.status === 'filled' ? o.price : '',
  cTime: String(o.time),
  uTime: String(o.updateTime),
});

/**
 * The OKX v5 dialect: its routes, order parameters and answers.
 *
 * @example
 * ```ts
 * const dialect = okxDialect();
 * dialect.routes['POST /api/v5/trade/order']; // 'new'
 * dialect.fault('unavailable', 'new', Date.now()).status; // 503
 * ```
 */
export function okxDialect(): Dialect {
  return {
    routes: {
      'POST /api/v5/trade/order': 'new',
      'GET /api/v5/trade/order': 'query',
      'POST /api/v5/trade/cancel-order': 'cancel',
      'GET /api/v5/trade/orders-pending': 'open',
    },
    timeRoute: 'GET /api/v5/public/time',
    time: (now) => ok([{ ts: String(now) }]),
    order: (p) => ({
      clientOrderId: p.get('clOrdId') || undefined,
      symbol: p.get('instId') ?? '',
      side: p.get('side') ?? '',
      type: p.get('ordType') ?? 'market',
      quantity: p.get('sz') ?? '0',
      price: p.get('px') ?? '0',
    }),
    target: (p, find) => {
      const id = p.get('clOrdId');
      if (id !== undefined && id !== '') return find.byClientId(id);
      const ordId = p.get('ordId');
      return ordId === undefined ? undefined : find.byOrderId(Number(ordId));
    },
    placed: (o) =>
      ok([
        {
          clOrdId: o.clientOrderId,
          ordId: String(o.orderId),
          tag: '',
          ts: String(o.time),
          sCode: '0',
          sMsg: 'Order placed',
        },
      ]),
    // OKXDOC: 51016 "Client order ID already exists." on the item.
    duplicate: (o) => item('51016', o.clientOrderId),
    found: (o) => ok([render(o)]),
    canceled: (o) =>
      ok([
        {
          clOrdId: o.clientOrderId,
          ordId: String(o.orderId),
          ts: String(o.updateTime),
          sCode: '0',
          sMsg: '',
        },
      ]),
    missing: (kind, p) => (kind === 'query' ? top('51603') : item('51400', p.get('clOrdId') ?? '')),
    openOrders: (list) => ok(list.map(render)),
    fault: (fault) => {
      switch (fault) {
        case 'unavailable':
          return top('50001');
        case 'timeout':
          return top('50004');
        case 'rate-limit':
          return top('50011');
        case 'ban':
          return top('50011', { 'retry-after': '120' });
      }
    },
    reject: (code, kind: RouteKind, p) =>
      kind === 'new' && code.startsWith('51') ? item(code, p.get('clOrdId') ?? '') : top(code),
    usageHeaders: () => ({}),
  };
}
