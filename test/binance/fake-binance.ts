import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { listenOnLoopback } from '../helpers/listen.js';

/** One request the fake exchange received. */
export interface Received {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

/** What the fake answers: a status, a JSON (or text) body and headers. */
export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * A local node:http server on 127.0.0.1 standing in for Binance: it records every request and
 * answers with whatever the test's handler returns (documented payloads).
 */
export async function startFakeBinance(handler: (request: Received, index: number) => Answer) {
  const requests: Received[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const received: Received = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
    };
    requests.push(received);
    req.resume();
    req.on('end', () => {
      const answer = handler(received, requests.length - 1);
      const text =
        typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {});
      res.writeHead(answer.status, {
        'content-type':
          typeof answer.body === 'string' ? 'text/html' : 'application/json;charset=UTF-8',
        ...answer.headers,
      });
      res.end(text);
    });
  });
  const { url, close } = await listenOnLoopback(server);
  return {
    baseUrl: url,
    requests,
    close,
  };
}
