import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Classifier, Outcome, Verdict } from '../../src/index.js';
import { listenOnLoopback } from '../helpers/listen.js';

/** What the server does with one request. */
export type Step =
  | { status: number; headers?: Record<string, string>; body?: string }
  /** Destroys the socket as soon as the request arrives: no response at all. */
  | 'destroy'
  /** Never answers; the socket is destroyed when the server closes. */
  | 'hang'
  /** Sends a 200 with `content-length: 100`, 3 bytes of body, then destroys the socket. */
  | 'cut';

/** A real HTTP server on 127.0.0.1 that plays a script of responses. */
export interface ScriptedServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Method and path of every request received, in order. */
  requests: { method: string; path: string }[];
  close(): Promise<void>;
}

export const ok: Step = {
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: '{"ok":true}',
};

/**
 * Starts a server answering request n with `steps[n]` (the last step repeats). It closes every
 * connection, hanging ones included, on `close()`.
 */
export async function scriptedServer(steps: readonly Step[]): Promise<ScriptedServer> {
  const requests: { method: string; path: string }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const step = steps[Math.min(requests.length, steps.length - 1)]!;
    requests.push({ method: req.method ?? '', path: req.url ?? '' });
    if (step === 'destroy') {
      req.socket.destroy();
      return;
    }
    if (step === 'hang') return;
    req.resume();
    if (step === 'cut') {
      res.writeHead(200, { 'content-length': '100', 'content-type': 'text/plain' });
      res.write('abc', () => setTimeout(() => req.socket.destroy(), 10));
      return;
    }
    res.writeHead(step.status, step.headers ?? {});
    res.end(step.body ?? '');
  });
  const { url, close } = await listenOnLoopback(server);
  return {
    url,
    requests,
    close,
  };
}

/** A URL on 127.0.0.1 where nothing listens (a port just released). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/`;
}

/** Wraps a classifier, keeping every verdict it gives. */
export function recording(
  classifier: Classifier,
): Classifier & { verdicts: (Verdict | undefined)[] } {
  const verdicts: (Verdict | undefined)[] = [];
  const wrapped = (outcome: Outcome) => {
    const verdict = classifier(outcome);
    verdicts.push(verdict);
    return verdict;
  };
  return Object.assign(wrapped, { verdicts });
}

/** An HTTP-date (IMF-fixdate) for an epoch-ms instant. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/** A whole-second epoch instant, so that an HTTP-date round-trips exactly. */
export function wholeSecond(ms: number = Date.now()): number {
  return Math.floor(ms / 1000) * 1000;
}
