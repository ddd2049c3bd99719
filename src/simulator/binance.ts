import type { AnsweredFault, Dialect, Params, Reply, RouteKind } from './dialect.js';
import type { SimulatedOrder } from './order-book.js';

/**
 * Binance spot (`/api/v3`) and USD-M futures (`/fapi/v1`) order routes, answered as Binance
 * documents them: `{ code, msg }` error bodies with HTTP 4xx/5xx (BSPOT `errors.md`, BFE), order
 * objects as in BSPOT `rest-api.md` and BFUT "New Order", `X-MBX-USED-WEIGHT-1M` and
 * `X-MBX-ORDER-COUNT-*` headers on every answer, `Retry-After` (seconds) on 429 and 418.
 */

export type BinanceProduct = 'spot' | 'futures';

const MESSAGES: Readonly<Record<string, string>> = {
  '-1001': 'Internal error; unable to process your request. Please try again.',
  '-1003':
    'Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.',
  '-1007':
    'Timeout waiting for response from backend server. Send status unknown; execution status unknown.',
  '-1008':
    'Request throttled by system-level protection. Reduce-only/close-position orders are exempt. Please try again.',
  '-1013': 'Filter failure: LOT_SIZE',
  '-1021': 'Timestamp for this request is outside of the recvWindow.',
  '-1022': 'Signature for this request is not valid.',
  '-1100': 'Illegal characters found in a parameter.',
  '-2010': 'Account has insufficient balance for requested action.',
  '-2011': 'Unknown order sent.',
  '-2013': 'Order does not exist.',
  '-2015': 'Invalid API-key, IP, or permissions for action.',
  '-2019': 'Margin is insufficient.',
  '-4116': 'clientOrderId is duplicated',
  '-4164': "Order's notional must be no smaller than 5 (unless you choose reduce only).",
};

const error = (
  status: number,
  code: number,
  msg = MESSAGES[String(code)] ?? 'Rejected.',
  headers?: Record<string, string>,
): Reply => ({
  status,
  body: { code, msg },
  headers,
});

const STATUS = { open: 'NEW', filled: 'FILLED', canceled: 'CANCELED' } as const;
const WINDOW_MS = 60_000;
// BSPOT rest-api.md: new order weight 1, query 4, cancel 1, open orders 6 (one symbol).
const WEIGHTS: Readonly<Record<RouteKind, number>> = { new: 1, query: 4, cancel: 1, open: 6 };

/** The four order routes under `base` (`/api/v3` or `/fapi/v1`). */
function binanceRoutes(base: string): Record<string, RouteKind> {
  return {
    [`POST ${base}/order`]: 'new',
    [`GET ${base}/order`]: 'query',
    [`DELETE ${base}/order`]: 'cancel',
    [`GET ${base}/openOrders`]: 'open',
  };
}

/** A spot order object (BSPOT rest-api.md). */
function renderSpot(o: SimulatedOrder) {
  const filled = o.status === 'filled' ? o.quantity : '0';
  return {
    symbol: o.symbol,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    price: o.price,
    origQty: o.quantity,
    executedQty: filled,
    cummulativeQuoteQty: o.status === 'filled' ? filled : '0.00000000',
    status: STATUS[o.status],
    timeInForce: 'GTC',
    type: o.type,
    side: o.side,
    time: o.time,
    updateTime: o.updateTime,
    isWorking: true,
    workingTime: o.time,
    selfTradePreventionMode: 'EXPIRE_MAKER',
  };
}

/** A USD-M futures order object (BFUT "New Order"). */
function renderFutures(o: SimulatedOrder) {
  const filled = o.status === 'filled' ? o.quantity : '0';
  return {
    orderId: o.orderId,
    symbol: o.symbol,
    status: STATUS[o.status],
    clientOrderId: o.clientOrderId,
    price: o.price,
    avgPrice: o.price,
    origQty: o.quantity,
    executedQty: filled,
    cumQty: filled,
    cumQuote: '0',
    timeInForce: 'GTC',
    type: o.type,
    reduceOnly: false,
    closePosition: false,
    side: o.side,
    positionSide: 'BOTH',
    stopPrice: '0',
    workingType: 'CONTRACT_PRICE',
    priceProtect: false,
    origType: o.type,
    priceMatch: 'NONE',
    selfTradePreventionMode: 'NONE',
    goodTillDate: 0,
    time: o.time,
    updateTime: o.updateTime,
  };
}

/** A fault in the product's words, with its HTTP status and `Retry-After` where Binance sends one. */
function binanceFault(product: BinanceProduct, fault: AnsweredFault, now: number): Reply {
  switch (fault) {
    // Binance: "HTTP 5XX … the execution status is UNKNOWN" (BSPOT rest-api.md); futures
    // 503 "Unknown error, please check your request or try again later." is unknown (BFG).
    case 'unavailable':
      return product === 'spot'
        ? error(503, -1001)
        : error(503, -1000, 'Unknown error, please check your request or try again later.');
    // -1007 TIMEOUT: "execution status unknown" (BSPOT errors.md), answered with a 5xx.
    case 'timeout':
      return error(500, -1007);
    // 429 with Retry-After (BSPOT rest-api.md LIMITS).
    case 'rate-limit':
      return error(429, -1003, undefined, { 'retry-after': '1' });
    // 418 after repeated 429s: an IP ban "from 2 minutes to 3 days" with Retry-After.
    case 'ban':
      return error(
        418,
        -1003,
        `Way too much request weight used; IP banned until ${now + 120_000}. Please use WebSocket Streams for live updates to avoid bans.`,
        { 'retry-after': '120' },
      );
  }
}

/** The product's usage headers, counting request weight and orders in one-minute windows. */
function binanceUsage(product: BinanceProduct): Dialect['usageHeaders'] {
  let windowStart = 0;
  let weight = 0;
  let orders = 0;
  return (kind, now) => {
    if (now - windowStart >= WINDOW_MS) {
      windowStart = now - (now % WINDOW_MS);
      weight = 0;
      orders = 0;
    }
    weight += WEIGHTS[kind];
    const headers: Record<string, string> = { 'x-mbx-used-weight-1m': String(weight) };
    if (product === 'spot') headers['x-mbx-used-weight'] = String(weight);
    if (kind === 'new') {
      orders += 1;
      // Spot counts orders per 10 s and per day; futures per 10 s and per minute (BSPOT, BFG).
      headers['x-mbx-order-count-10s'] = String(orders);
      headers[product === 'spot' ? 'x-mbx-order-count-1d' : 'x-mbx-order-count-1m'] =
        String(orders);
    }
    return headers;
  };
}

/**
 * The Binance spot or USD-M futures dialect: its routes, order parameters and answers.
 *
 * @example
 * ```ts
 * const dialect = binanceDialect('spot');
 * dialect.routes['POST /api/v3/order']; // 'new'
 * dialect.reject('-2010', 'new', new Map()).status; // 400
 * ```
 */
export function binanceDialect(product: BinanceProduct): Dialect {
  const base = product === 'spot' ? '/api/v3' : '/fapi/v1';
  const render: (o: SimulatedOrder) => object = product === 'spot' ? renderSpot : renderFutures;
  return {
    routes: binanceRoutes(base),
    timeRoute: `GET ${base}/time`,
    time: (now) => ({ status: 200, body: { serverTime: now } }),
    order: (p: Params) => ({
      clientOrderId: p.get('newClientOrderId'),
      symbol: p.get('symbol') ?? '',
      side: p.get('side') ?? '',
      type: p.get('type') ?? 'MARKET',
      quantity: p.get('quantity') ?? '0',
      price: p.get('price') ?? '0',
    }),
    target: (p, find) => {
      const id = p.get('origClientOrderId');
      if (id !== undefined) return find.byClientId(id);
      const orderId = p.get('orderId');
      return orderId === undefined ? undefined : find.byOrderId(Number(orderId));
    },
    placed: (o) => ({
      status: 200,
      body: {
        ...render(o),
        transactTime: o.time,
        ...(product === 'spot' ? { fills: [] } : {}),
      },
    }),
    // BSPOT errors.md: -2010 "Duplicate order sent."; BFE: -4116 DUPLICATED_CLIENT_ORDER_ID.
    duplicate: () =>
      product === 'spot' ? error(400, -2010, 'Duplicate order sent.') : error(400, -4116),
    found: (o) => ({ status: 200, body: render(o) }),
    canceled: (o) => ({
      status: 200,
      body:
        product === 'spot'
          ? { ...render(o), origClientOrderId: o.clientOrderId, transactTime: o.updateTime }
          : render(o),
    }),
    // BSPOT errors.md: -2013 NO_SUCH_ORDER on a query, -2011 CANCEL_REJECTED "Unknown order sent.".
    missing: (kind) => (kind === 'query' ? error(400, -2013) : error(400, -2011)),
    openOrders: (list) => ({ status: 200, body: list.map(render) }),
    fault: (fault, _kind, now) => binanceFault(product, fault, now),
    reject: (code) => error(code === '-1003' ? 429 : 400, Number(code)),
    usageHeaders: binanceUsage(product),
  };
}
