/**
 * A local venue for the load-shaping scenarios (S8, S9): a node:http server on 127.0.0.1 that
 * answers after a latency and, above a hidden capacity, with 429. The capacity is a token bucket
 * (rate = capacity requests/s, burst = a tenth of a second of it), as venues meter request
 * rates; it can change while clients run.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Venue {
  readonly url: string;
  /** Sets the capacity, requests/s, from now on. */
  setCapacity(perSecond: number): void;
  close(): Promise<void>;
}

export async function startVenue(options: {
  capacity: number;
  latencyMs: () => number;
}): Promise<Venue> {
  let rate = options.capacity;
  let burst = Math.max(1, rate / 10);
  let tokens = burst;
  let last = performance.now();
  const server = http.createServer((req, res) => {
    const now = performance.now();
    tokens = Math.min(burst, tokens + ((now - last) / 1000) * rate);
    last = now;
    const ok = tokens >= 1;
    if (ok) tokens -= 1;
    setTimeout(() => {
      res.writeHead(ok ? 200 : 429, { 'content-type': 'text/plain' });
      res.end(ok ? 'ok' : 'slow down');
    }, options.latencyMs());
    req.resume();
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    setCapacity(perSecond) {
      const now = performance.now();
      tokens = Math.min(burst, tokens + ((now - last) / 1000) * rate);
      last = now;
      rate = perSecond;
      burst = Math.max(1, rate / 10);
      tokens = Math.min(tokens, burst);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One GET with a keep-alive agent; resolves with the status (0 for an aborted or failed request). */
export function get(url: string, agent: http.Agent, signal?: AbortSignal): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent, signal }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('error', () => resolve(0));
  });
}
