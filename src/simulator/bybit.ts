import type { Dialect, Reply } from './dialect.js';
import type { SimulatedOrder } from './order-book.js';

/**
 * Bybit v5 order routes (BYDOCS `order/create-order.mdx`, `open-order.mdx`, `cancel-order.mdx`):
 * `{ retCode, retMsg, result, retExtInfo, time }`, errors as HTTP 200 with a non-zero `retCode`,
 * and `X-Bapi-Limit-Status`, `X-Bapi-Limit`, `X-Bapi-Limit-Reset-Timestamp` on every answer
 * (BYDOCS rate-limit.mdx). `GET /v5/order/realtime` is both the lookup by `orderLinkId` and the
 * open-orders list.
 *
 * Faults in Bybit's words (venues.md §5): 503-after-execute → retCode 10016 "Server error";
 * -1007-after-execute → retCode 10000 "Server Timeout"; 429 → retCode 10006 "Too many visits"
 * with the limit headers spent; 418 → HTTP 403 "access too frequent" (Bybit's IP ban: wait at
 * least 10 minutes); reject:<code> → that retCode with HTTP 200.
 */

const MESSAGES: Readonly<Record<string, string>> = {
  '10000': 'Server Timeout',
  '10001': 'params error',
  '10002': 'The request time exceeds the time window range.',
  '10003': 'API key is invalid.',
  '10004': 'Error sign, please check your signature generation algorithm.',
  '10006': 'Too many visits. Exceeded the API Rate Limit.',
  '10016': 'Server error',
  '110001': 'Order does not exist',
  '110004': 'Wallet balance is insufficient',
  '110007': 'Available balance is insufficient',
  '110072': 'OrderLinkedID is duplicate',
  '110079': 'The order is processing and can not be operated, please try again later',
  '170007': 'Timeout waiting for response from backend server.',
  '170141': 'Duplicate clientOrderId',
};

const answer = (
  retCode: number,
  result: unknown = {},
  headers?: Record<string, string>,
): Reply => ({
  status: 200,
  body: {
    retCode,
    retMsg: retCode === 0 ? 'OK' : (MESSAGES[String(retCode)] ?? 'error'),
    result,
    retExtInfo: {},
    time: Date.now(),
  },
  headers,
});

const STATUS = { open: 'New', filled: 'Filled', canceled: 'Cancelled' } as const;
const LIMIT = 10; // BYDOCS rate-limit.mdx: 10 per second per UID for order create (linear)
const WINDOW_MS = 1000;

const render = (o: SimulatedOrder) => ({
  orderId: String(o.orderId),
  orderLinkId: o.clientOrderId,
  symbol: o.symbol,
  price: o.price,
  qty: o.quantity,
  side: o.side,
  orderType: o.type,
  orderStatus: STATUS[o.status],
  cumExecQty: o.status === 'filled' ? o.quantity : '0',
  leavesQty: o.status === 'open' ? o.quantity : '0',
  timeInForce: 'GTC',
  createdTime: String(o.time),
  updatedTime: String(o.updateTime),
});

/**
 * The Bybit v5 dialect: its routes, order parameters and answers, and the per-second usage window.
 *
 * @example
 * ```ts
 * const dialect = bybitDialect();
 * dialect.routes['POST /v5/order/create']; // 'new'
 * dialect.fault('ban', 'new', Date.now()).status; // 403
 * ```
 */
export function bybitDialect(): Dialect {
  let windowStart = 0;
  let used = 0;
  const ids = (o: SimulatedOrder) => ({ orderId: String(o.orderId), orderLinkId: o.clientOrderId });
  return {
    routes: {
      'POST /v5/order/create': 'new',
      'GET /v5/order/realtime': 'query',
      'POST /v5/order/cancel': 'cancel',
    },
    timeRoute: 'GET /v5/market/time',
    time: (now) =>
      answer(0, { timeSecond: String(Math.floor(now / 1000)), timeNano: `${now}000000` }),
    order: (p) => ({
      clientOrderId: p.get('orderLinkId') || undefined,
      symbol: p.get('symbol') ?? '',
      side: p.get('side') ?? '',
      type: p.get('orderType') ?? 'Market',
      quantity: p.get('qty') ?? '0',
      price: p.get('price') ?? '0',
    }),
    listsOpen: (p) => !p.has('orderLinkId') && !p.has('orderId'),
    target: (p, find) => {
      const id = p.get('orderLinkId');
      if (id !== undefined && id !== '') return find.byClientId(id);
      const orderId = p.get('orderId');
      return orderId === undefined ? undefined : find.byOrderId(Number(orderId));
    },
    placed: (o) => answer(0, ids(o)),
    // BYDOCS error.mdx: 110072 "OrderLinkedID is duplicate" ("always unique").
    duplicate: () => answer(110072),
    found: (o) => answer(0, { list: [render(o)], nextPageCursor: '', category: 'linear' }),
    canceled: (o) => answer(0, ids(o)),
    // A lookup of an unknown id is an empty list; a cancel is 110001.
    missing: (kind) =>
      kind === 'query'
        ? answer(0, { list: [], nextPageCursor: '', category: 'linear' })
        : answer(110001),
    openOrders: (list) =>
      answer(0, { list: list.map(render), nextPageCursor: '', category: 'linear' }),
    fault: (fault, _kind, now) => {
      switch (fault) {
        case 'unavailable':
          return answer(10016);
        case 'timeout':
          return answer(10000);
        case 'rate-limit':
          return answer(
            10006,
            {},
            {
              'X-Bapi-Limit-Status': '0',
              'X-Bapi-Limit': String(LIMIT),
              'X-Bapi-Limit-Reset-Timestamp': String(now + WINDOW_MS),
            },
          );
        case 'ban':
          return {
            status: 403,
            body: 'access too frequent',
            headers: { 'content-type': 'text/plain' },
          };
      }
    },
    reject: (code) => answer(Number(code)),
    usageHeaders: (_kind, now) => {
      if (now - windowStart >= WINDOW_MS) {
        windowStart = now;
        used = 0;
      }
      used += 1;
      return {
        'X-Bapi-Limit-Status': String(Math.max(0, LIMIT - used)),
        'X-Bapi-Limit': String(LIMIT),
        'X-Bapi-Limit-Reset-Timestamp': String(used >= LIMIT ? windowStart + WINDOW_MS : now),
      };
    },
  };
}
