import type { OrderRequest, SimulatedOrder } from './order-book.js';

/**
 * What one venue's REST routes look like to the simulator's server: which route does what, how
 * to read an order from the parameters, and every answer in the venue's own shape. binance.ts,
 * okx.ts and bybit.ts each implement it.
 */

/** The four things an order route does. */
export type RouteKind = 'new' | 'query' | 'cancel' | 'open';

/** An HTTP answer. */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Request parameters from the query string, a form body and a JSON body, merged. */
export type Params = ReadonlyMap<string, string>;

/** Faults that answer (the reset is the server's own: it answers nothing). */
export type AnsweredFault = 'unavailable' | 'timeout' | 'rate-limit' | 'ban';

export interface Dialect {
  /** `METHOD /path` → what it does. */
  readonly routes: Readonly<Record<string, RouteKind>>;
  /** The order a `new` route asks for. */
  order(params: Params): OrderRequest;
  /** True when a `query` call names no order and lists the open ones (Bybit's realtime route). */
  listsOpen?(params: Params): boolean;
  /** The order a `query` or `cancel` route names, looked up with `find`. */
  target(params: Params, find: Finder): SimulatedOrder | undefined;
  placed(order: SimulatedOrder): Reply;
  duplicate(order: SimulatedOrder, kind: RouteKind): Reply;
  found(order: SimulatedOrder): Reply;
  canceled(order: SimulatedOrder): Reply;
  /** No such order (query), or none open to cancel. */
  missing(kind: 'query' | 'cancel', params: Params): Reply;
  openOrders(orders: readonly SimulatedOrder[]): Reply;
  fault(fault: AnsweredFault, kind: RouteKind, now: number): Reply;
  reject(code: string, kind: RouteKind, params: Params): Reply;
  /** The venue's server-time route (clients that sync their clock call it) and its answer. */
  readonly timeRoute: string;
  time(now: number): Reply;
  /** Rate-limit headers for this answer (called once per request, so it counts usage). */
  usageHeaders(kind: RouteKind, now: number): Record<string, string>;
}

export interface Finder {
  byClientId(id: string): SimulatedOrder | undefined;
  byOrderId(id: number): SimulatedOrder | undefined;
}
