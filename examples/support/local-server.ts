import { createServer } from 'node:http';
import { listenOnLoopback } from './listen.js';

/**
 * A few lines of node:http shared by the examples: each example states its server's behaviour
 * as one handler function, and this file does the plumbing (listen on 127.0.0.1 port 0, read
 * the body, answer JSON, close every connection on shutdown). Nothing leaves the machine.
 */

export interface LocalRequest {
  method: string;
  /** The path without the query string, e.g. `/api/v3/order`. */
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

/** `'hang'` never answers: the client has to time out (the connection is closed on shutdown). */
export type LocalHandler = (request: LocalRequest) => LocalReply | 'hang';

export interface LocalServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Every request received, as `METHOD /path`, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function startLocalServer(handler: LocalHandler): Promise<LocalServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      let body = '';
      for await (const chunk of req) body += String(chunk);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const params = new URLSearchParams(url.search);
      if (req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
        for (const [key, value] of new URLSearchParams(body)) params.append(key, value);
      }
      const method = req.method ?? 'GET';
      requests.push(`${method} ${url.pathname}`);
      const reply = handler({ method, path: url.pathname, params, body });
      if (reply === 'hang') return;
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.body ?? {}));
    })();
  });
  const { url, close } = await listenOnLoopback(server);
  return {
    url,
    requests,
    close,
  };
}

/** How many of `server.requests` were `route` (`'POST /api/v3/order'`). */
export function countRequests(server: LocalServer, route: string): number {
  return server.requests.filter((r) => r === route).length;
}
