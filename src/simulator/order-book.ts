/**
 * The simulator's order book: orders by client order id, counted where it matters (how many
 * times the venue *executed* an order with that id, whatever the client was told). Market orders
 * fill at once; limit orders rest open until cancelled. No matching between orders: the book
 * models what a retry can break (executions per id), not prices.
 */

/** An order as the book keeps it; each venue's routes render it in the venue's shape. */
export interface SimulatedOrder {
  readonly clientOrderId: string;
  /** The venue's own id, increasing from 1. */
  readonly orderId: number;
  readonly symbol: string;
  /** As the client sent it (`BUY`, `buy`, `Buy`). */
  readonly side: string;
  /** As the client sent it (`MARKET`, `limit`, `Limit`…). */
  readonly type: string;
  readonly quantity: string;
  readonly price: string;
  status: 'open' | 'filled' | 'canceled';
  /** Venue time (ms) when it was placed, and of its last change. */
  readonly time: number;
  updateTime: number;
}

/** What a new order asks for; `clientOrderId` is generated when the client sent none. */
export interface OrderRequest {
  clientOrderId: string | undefined;
  symbol: string;
  side: string;
  type: string;
  quantity: string;
  price: string;
}

export type PlaceResult =
  { readonly placed: SimulatedOrder } | { readonly duplicate: SimulatedOrder };

export class OrderBook {
  readonly #orders = new Map<string, SimulatedOrder>();
  readonly #executions = new Map<string, number>();
  #nextId = 1;

  /**
   * Executes a new order, or answers with the earlier one when the id is already known: every
   * venue rejects a resend of an executed client order id (Binance -2010/-4116, OKX 51016,
   * Bybit 110072; venues.md §6), so a blind resend shows up as a duplicate, never as a second
   * order.
   */
  place(request: OrderRequest, now: number): PlaceResult {
    const known =
      request.clientOrderId === undefined ? undefined : this.#orders.get(request.clientOrderId);
    if (known !== undefined) return { duplicate: known };
    const orderId = this.#nextId++;
    const clientOrderId = request.clientOrderId ?? `sim-${orderId}`;
    const order: SimulatedOrder = {
      ...request,
      clientOrderId,
      orderId,
      status: /^market$/i.test(request.type) ? 'filled' : 'open',
      time: now,
      updateTime: now,
    };
    this.#orders.set(clientOrderId, order);
    this.#executions.set(clientOrderId, (this.#executions.get(clientOrderId) ?? 0) + 1);
    return { placed: order };
  }

  find(clientOrderId: string): SimulatedOrder | undefined {
    return this.#orders.get(clientOrderId);
  }

  findById(orderId: number): SimulatedOrder | undefined {
    for (const order of this.#orders.values()) if (order.orderId === orderId) return order;
    return undefined;
  }

  /** Cancels an open order; `undefined` when there is none to cancel (unknown or no longer open). */
  cancel(order: SimulatedOrder | undefined, now: number): SimulatedOrder | undefined {
    if (order?.status !== 'open') return undefined;
    order.status = 'canceled';
    order.updateTime = now;
    return order;
  }

  open(symbol?: string): SimulatedOrder[] {
    return this.all().filter(
      (o) => o.status === 'open' && (symbol === undefined || o.symbol === symbol),
    );
  }

  all(): SimulatedOrder[] {
    return [...this.#orders.values()];
  }

  executions(clientOrderId: string): number {
    return this.#executions.get(clientOrderId) ?? 0;
  }
}
