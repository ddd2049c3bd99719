import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { Clock } from '../../src/index.js';
import { listenOnLoopback } from '../helpers/listen.js';

/** One request as the local test server received it. */
export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
}

/** A real HTTP server on 127.0.0.1 standing in for the Bot API or a webhook. */
export interface TestServer {
  url: string;
  requests: Received[];
  close(): Promise<void>;
}

/**
 * Starts a server whose `respond` answers each request (by default 200 `{"ok":true}`). A
 * `respond` that does nothing leaves the request hanging until the server closes.
 */
export async function startServer(
  respond: (req: Received, res: ServerResponse, index: number) => void = (_req, res) =>
    json(res, 200, { ok: true }),
): Promise<TestServer> {
  const requests: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = undefined;
      }
      const received: Received = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        json: parsed,
      };
      requests.push(received);
      respond(received, res, requests.length - 1);
    });
  });
  const { url, close } = await listenOnLoopback(server);
  return {
    url,
    requests,
    close,
  };
}

/** Writes a JSON response. */
export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { 'content-type': 'application/json', ...headers })
    .end(JSON.stringify(body));
}

/** A clock whose sleeps resolve only when the test moves time past them. */
export interface ManualClock extends Clock {
  readonly sleeps: number[];
  /** Moves time forward and wakes every sleep that is due (in a later microtask). */
  advance(ms: number): Promise<void>;
  /** Sleeps not yet due (and not aborted). */
  pending(): number;
}

/** 2024-05-01T10:02:03.000Z: a fixed start so message times are exact. */
export const T0 = Date.UTC(2024, 4, 1, 10, 2, 3);

export function manualClock(startMs = T0): ManualClock {
  let now = startMs;
  const sleeps: number[] = [];
  let timers: { at: number; resolve: () => void }[] = [];
  return {
    sleeps,
    now: () => now,
    sleep(ms, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      sleeps.push(ms);
      return new Promise<void>((resolve, reject) => {
        const timer = { at: now + ms, resolve };
        timers.push(timer);
        signal?.addEventListener(
          'abort',
          () => {
            timers = timers.filter((t) => t !== timer);
            reject(signal.reason);
          },
          { once: true },
        );
      });
    },
    async advance(ms) {
      now += ms;
      const due = timers.filter((t) => t.at <= now);
      timers = timers.filter((t) => t.at > now);
      for (const timer of due) timer.resolve();
      await settle();
    },
    pending: () => timers.length,
  };
}

/** Lets queued microtasks and I/O callbacks run. */
export async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

/** Waits (briefly, in real time) until `condition` holds. */
export async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** An error class as an exchange client would throw. */
export class ExchangeError extends Error {
  override readonly name = 'ExchangeError';
}
