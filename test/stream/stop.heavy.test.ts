import { fork } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { bundleFixture } from '../helpers/bundle-fixture.js';

/**
 * `stop()` leaves nothing behind, in a child process against a real `ws` server: stopped during
 * a connect (the server holds the handshake), during a backoff wait (after a 503) or while open,
 * the child's active resources are those it had before `supervise()`, and it exits by itself.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** A safety net for a child that never exits, not a timing bound. */
const HUNG_AFTER_MS = 30_000;

let cleanup: (() => Promise<void>) | undefined;
let worker: string;
let base: string;
const held = new Set<Duplex>();
let onHeld: (() => void) | undefined;
const wss = new WebSocketServer({ noServer: true });
// `/hold` never answers the handshake, `/refuse` answers 503, anything else is accepted.
const server = createServer((_req, res) => res.writeHead(426).end());
server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
  if (req.url === '/hold') {
    held.add(socket);
    socket.on('close', () => held.delete(socket));
    socket.on('error', () => {});
    onHeld?.();
  } else if (req.url === '/refuse') {
    socket.end(
      'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
    );
  } else {
    wss.handleUpgrade(req, socket, head, (ws) => ws.on('error', () => {}));
  }
});

beforeAll(async () => {
  ({ script: worker, cleanup } = await bundleFixture(
    'stop-worker',
    join(ROOT, 'test', 'stream', 'fixtures'),
  ));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  for (const socket of held) socket.destroy();
  for (const ws of wss.clients) ws.terminate();
  wss.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await cleanup?.();
});

interface Report {
  stoppedIn: string;
  state: string;
  before: string[];
  after: string[];
  exitCode: number | null;
}

function runWorker(mode: 'connect' | 'backoff' | 'open', path: string): Promise<Report> {
  return new Promise((resolve, reject) => {
    const child = fork(worker, [], {
      cwd: ROOT,
      env: { ...process.env, WS_URL: `${base}${path}`, MODE: mode },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const hung = setTimeout(() => child.kill(), HUNG_AFTER_MS);
    if (mode === 'connect') onHeld = () => child.send('go');
    let report: Omit<Report, 'exitCode'> | undefined;
    child.on('message', (m) => (report = m as Omit<Report, 'exitCode'>));
    child.on('error', reject);
    child.on('exit', (exitCode, signal) => {
      clearTimeout(hung);
      onHeld = undefined;
      if (report === undefined) return reject(new Error(`worker ended (${signal ?? exitCode})`));
      resolve({ ...report, exitCode });
    });
  });
}

describe('supervisor.stop() in a child process', () => {
  it('during a connect: no resource left, the handshake socket closed, the process exits', async () => {
    const report = await runWorker('connect', '/hold');
    expect(report).toMatchObject({ stoppedIn: 'connecting', state: 'stopped', exitCode: 0 });
    expect(report.after).toEqual(report.before);
  });

  it('during a backoff wait: no resource left, the wait cancelled, the process exits', async () => {
    const report = await runWorker('backoff', '/refuse');
    expect(report).toMatchObject({ stoppedIn: 'waiting', state: 'stopped', exitCode: 0 });
    expect(report.after).toEqual(report.before);
  });

  it('while open: no resource left, the socket and its pinger gone, the process exits', async () => {
    const report = await runWorker('open', '/stream');
    expect(report).toMatchObject({ stoppedIn: 'open', state: 'stopped', exitCode: 0 });
    expect(report.after).toEqual(report.before);
  });
});
