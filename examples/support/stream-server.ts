import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A local WebSocket market stream on 127.0.0.1 that a test or an example controls: numbered
 * messages (`{"n":1}`, `{"n":2}`…, the same sequence to every open connection, like a venue's
 * stream), and faults: drop every connection, fall silent, refuse handshakes with a status,
 * send a venue's shutdown notice, restart on the same port.
 */
export interface StreamServer {
  readonly url: string;
  /** Handshakes seen (refused ones included), in order, with their time (`Date.now()`). */
  readonly handshakes: number[];
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections open now. */
  readonly open: number;
  /** Sends the next numbered message to every open connection; returns its number. */
  tick(): number;
  /** Sends a numbered message every `everyMs` until {@link silence}. */
  flow(everyMs?: number): void;
  /** Stops sending (connections stay open). */
  silence(): void;
  /** Sends raw text (a shutdown notice, a pong) to every open connection. */
  broadcast(text: string): void;
  /** Cuts every open connection without a close frame. */
  drop(): void;
  /** Refuses the next handshakes with `status` (and headers) until {@link accept}. */
  refuse(status: number, headers?: Record<string, string>): void;
  accept(): void;
  /** Resolves once `count` connections have been accepted in total. */
  accepted$(count: number): Promise<void>;
  /** Resolves with the next connection's socket. */
  nextConnection(): Promise<WebSocket>;
  /** Stops listening and drops everything; `restart()` listens again on the same port. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  418: "I'm a teapot",
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

export async function startStreamServer(port = 0): Promise<StreamServer> {
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<WebSocket>();
  const handshakes: number[] = [];
  let accepted = 0;
  let n = 0;
  let refusal: { status: number; headers: Record<string, string> } | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  const waiters: { count: number; resolve: () => void }[] = [];
  const next: ((socket: WebSocket) => void)[] = [];

  const server = createServer((_req, res) => res.writeHead(426).end());
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    handshakes.push(Date.now());
    if (refusal !== undefined) {
      const { status, headers } = refusal;
      const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Refused'}\r\n${lines.join('')}Content-Length: 0\r\nConnection: close\r\n\r\n`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      accepted++;
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => {});
      next.shift()?.(ws);
      for (const w of waiters.filter((w) => accepted >= w.count)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    });
  });

  const listen = (p: number) =>
    new Promise<number>((resolve) =>
      server.listen(p, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
    );
  const actualPort = await listen(port);
  const drop = () => {
    for (const ws of sockets) ws.terminate();
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      drop();
      server.closeAllConnections();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });

  const api: StreamServer = {
    url: `ws://127.0.0.1:${actualPort}`,
    handshakes,
    get accepted() {
      return accepted;
    },
    get open() {
      return sockets.size;
    },
    tick() {
      n++;
      const text = JSON.stringify({ n });
      for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
      return n;
    },
    flow(everyMs = 1) {
      if (timer !== undefined) clearInterval(timer);
      timer = setInterval(() => api.tick(), everyMs);
    },
    silence() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
    broadcast(text) {
      for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
    },
    drop,
    refuse(status, headers = {}) {
      refusal = { status, headers };
    },
    accept() {
      refusal = undefined;
    },
    accepted$(count) {
      if (accepted >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    nextConnection() {
      return new Promise((resolve) => next.push(resolve));
    },
    stop,
    async restart() {
      await stop();
      await listen(actualPort);
    },
    async close() {
      await stop();
      wss.close();
    },
  };
  return api;
}
