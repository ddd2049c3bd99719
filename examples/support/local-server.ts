import { createServer } from 'node:http';
import { listenOnLoopback } from './listen.js';

/**
 * A few lines of node:http for the endpoints the examples talk to that are not venues (the
 * Telegram Bot API that receives alerts): the example states the endpoint's behaviour as one
 * handler function, and this file does the plumbing (listen on 127.0.0.1 port 0, read the body,
 * answer JSON, close every connection on shutdown). Exchanges and chains are `startVenue`
 * (`tenacious/simulator`). Nothing leaves the machine.
 */

export interface LocalRequest {
  method: string;
  /** The path without the query string, e.g. `/bot<token>/sendMessage`. */
  path: string;
  /** Query string and, for form-encoded bodies, body parameters together. */
  params: URLSearchParams;
  /** The raw request body. */
  body: string;
}

export interface LocalReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type LocalHandler = (request: LocalRequest) => LocalReply;

export interface LocalServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts `handler` on a free port of 127.0.0.1.
 *
 * @example
 * ```ts
 * const botApi = await startLocalServer(({ body }) => ({ status: 200, body: { ok: true } }));
 * // … telegramAlert({ botToken, chatId, apiBaseUrl: botApi.url }) …
 * await botApi.close();
 * ```
 */
export async function startLocalServer(handler: LocalHandler): Promise<LocalServer> {
  const server = createServer((req, res) => {
    void (async () => {
      let body = '';
      for await (const chunk of req) body += String(chunk);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const params = new URLSearchParams(url.search);
      if (req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
        for (const [key, value] of new URLSearchParams(body)) params.append(key, value);
      }
      const reply = handler({ method: req.method ?? 'GET', path: url.pathname, params, body });
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.body ?? {}));
    })();
  });
  return listenOnLoopback(server);
}
