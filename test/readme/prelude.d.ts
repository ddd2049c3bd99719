// Placeholders the README's snippets use without defining, as a reader would have them in their
// own code. Anything else a snippet uses must be imported or declared in the snippet itself.
declare const logger: import('../../src/index.js').Logger;

// Packages the README mentions that this repository does not install.
declare module '@nestjs/common' {
  export function Injectable(): ClassDecorator;
  export function Inject(token: unknown): ParameterDecorator;
}

// Placeholders of the guides' snippets: the reader's exchange client, order, data and tracer.
declare const client: {
  generateNewOrderId(): string;
  submitNewOrder(order: object): Promise<{ orderId: number; clientOrderId: string }>;
};
declare const binance: { getOpenOrders(): Promise<unknown[]> };
declare const symbol: string;
declare const side: 'BUY' | 'SELL';
declare const quantity: number;
declare function findOrder(
  exchange: typeof client,
  symbol: string,
  clientOrderId: string,
): Promise<{ orderId: number; clientOrderId: string } | undefined>;
declare const csv: string;
declare const breaker: import('../../src/index.js').CircuitBreaker;
declare const agent: {
  startSpan(name: string): void;
  endSpan(): void;
  recordError(error: unknown): void;
};
declare const botToken: string;
declare const chatId: string;

declare module '@opentelemetry/sdk-node' {
  export class NodeSDK {
    constructor(config?: object);
    start(): void;
    shutdown(): Promise<void>;
  }
}
