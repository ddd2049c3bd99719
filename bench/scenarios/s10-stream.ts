/**
 * S10: streams. A `ws` server in a child process (so its heap and CPU are not counted) and, in
 * this process, rows that are either a bare `ws` client or the same client under `supervise()`
 * and `websocket()` (with `staleAfterMs`, as a user configures it):
 *
 * - heap bytes per idle open connection, `CONNECTIONS` of them, after full collections;
 * - CPU (user + system) per 10,000 messages of about 150 bytes through one connection, rows
 *   alternating, median of the rounds; the messages are counted, not parsed, in both rows;
 * - reconnect latency: the server cuts the connection, the supervisor waits the backoff it
 *   chose (reported in `onDisconnect`) and opens again; latency is the time from the drop seen
 *   to open again, minus that backoff. Beside it, a bare `ws` connect from `new` to `open`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { exponential, jitter } from '../../src/core/backoff.js';
import { supervise, websocket, type Supervisor } from '../../src/stream/index.js';
import { emitResult, parseChildArgs, rotate } from '../lib/protocol.js';
import { median, quantileSorted } from '../lib/stats.js';

const args = parseChildArgs();
const CONNECTIONS = args.quick ? 300 : 1000;
const MESSAGES = 10_000;
const CPU_ROUNDS = args.quick ? 3 : 7;
const RECONNECTS = args.quick ? 60 : 300;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('S10 needs node --expose-gc');

function heap(): number {
  for (let i = 0; i < 4; i++) gc!();
  return process.memoryUsage().heapUsed;
}

// The server: its own process, written next to the bundles so that `ws` resolves.
const SERVER = `const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
const trade = JSON.stringify({ e: 'trade', E: Date.now(), s: 'BTCUSDT', t: 1, p: '97000.00', q: '0.001', T: Date.now(), m: false, M: true, seq: 1 }).padEnd(150);
wss.on('listening', () => process.send({ port: wss.address().port }));
wss.on('connection', (ws) => ws.on('error', () => {}));
process.on('message', ({ op, count }) => {
  if (op === 'burst') { for (const ws of wss.clients) for (let i = 0; i < count; i++) ws.send(trade); }
  if (op === 'drop') for (const ws of wss.clients) ws.terminate();
  if (op === 'close') { for (const ws of wss.clients) ws.terminate(); wss.close(); process.disconnect(); }
});`;
const dir = path.join(process.cwd(), '.tmp', 'bench');
mkdirSync(dir, { recursive: true });
const serverFile = path.join(dir, 's10-server.cjs');
writeFileSync(serverFile, SERVER);
const server: ChildProcess = fork(serverFile, [], {
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const port = await new Promise<number>((resolve) =>
  server.once('message', (m) => resolve((m as { port: number }).port)),
);
const url = `ws://127.0.0.1:${port}`;
const tell = (op: string, count = 0) => server.send({ op, count });

/** One open connection of a row, and how to count its messages and close it. */
interface Open {
  close(): Promise<void>;
}
type Row = 'ws' | 'tenacious';

function openBare(onMessage: () => void): Promise<Open> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('message', onMessage);
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        close: () =>
          new Promise<void>((done) => {
            ws.once('close', () => done());
            ws.close();
          }),
      }),
    );
  });
}

async function openSupervised(onMessage: () => void): Promise<Open> {
  const supervisor = supervise(
    ({ signal, alive }) => websocket(new WebSocket(url), { signal, alive, onMessage }),
    { operation: 's10', staleAfterMs: 60_000 },
  );
  await supervisor.ready();
  return { close: () => supervisor.stop() };
}

const open = (row: Row, onMessage: () => void) =>
  row === 'ws' ? openBare(onMessage) : openSupervised(onMessage);

async function bytesPerConnection(row: Row): Promise<number> {
  const none = () => {};
  // Warm the row's code path, so its compiled code is not counted.
  await Promise.all(
    (await Promise.all(Array.from({ length: 20 }, () => open(row, none)))).map((c) => c.close()),
  );
  const before = heap();
  const conns: Open[] = [];
  for (let i = 0; i < CONNECTIONS; i += 100) {
    conns.push(...(await Promise.all(Array.from({ length: 100 }, () => open(row, none)))));
  }
  const after = heap();
  await Promise.all(conns.map((c) => c.close()));
  return (after - before) / CONNECTIONS;
}

async function cpuPer10k(row: Row): Promise<number> {
  let count = 0;
  let done: () => void = () => {};
  const conn = await open(row, () => {
    if (++count === MESSAGES) done();
  });
  const received = new Promise<void>((resolve) => (done = resolve));
  const start = process.cpuUsage();
  tell('burst', MESSAGES);
  await received;
  const used = process.cpuUsage(start);
  await conn.close();
  return used.user + used.system; // µs
}

async function reconnectLatencies(): Promise<number[]> {
  const overheads: number[] = [];
  let droppedAt = 0;
  let delayMs = 0;
  let opened: () => void = () => {};
  const supervisor: Supervisor = supervise(
    ({ signal, alive }) => websocket(new WebSocket(url), { signal, alive }),
    {
      operation: 's10-reconnect',
      backoff: jitter(exponential({ initial: 20, max: 200 }), { mode: 'full' }),
      stableAfterMs: 0,
      onDisconnect: (event) => {
        droppedAt = performance.now();
        delayMs = event.delayMs ?? 0;
      },
    },
  );
  supervisor.onStateChange(({ to }) => to === 'open' && opened());
  await supervisor.ready();
  for (let i = 0; i < RECONNECTS; i++) {
    const back = new Promise<void>((resolve) => (opened = resolve));
    tell('drop');
    await back;
    overheads.push(performance.now() - droppedAt - delayMs);
  }
  await supervisor.stop();
  return overheads.sort((a, b) => a - b);
}

async function bareConnects(): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < RECONNECTS; i++) {
    const started = performance.now();
    const conn = await openBare(() => {});
    times.push(performance.now() - started);
    await conn.close();
  }
  return times.sort((a, b) => a - b);
}

const rows = rotate<Row>(['ws', 'tenacious'], args.rotate);
const bytes: Record<Row, number> = { ws: 0, tenacious: 0 };
for (const row of rows) bytes[row] = await bytesPerConnection(row);
const cpu: Record<Row, number[]> = { ws: [], tenacious: [] };
for (let round = 0; round < CPU_ROUNDS; round++) {
  for (const row of rotate(rows, round)) cpu[row].push(await cpuPer10k(row));
}
const reconnect = await reconnectLatencies();
const connect = await bareConnects();
tell('close');

const cpuWs = median(cpu.ws);
const cpuTenacious = median(cpu.tenacious);
const p = (sorted: number[], q: number) => quantileSorted(sorted, q);
const load = os
  .loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
const lines = [
  `S10 streams: ${CONNECTIONS} idle connections, ${CPU_ROUNDS} rounds of ${MESSAGES.toLocaleString('en')} messages, ${RECONNECTS} reconnects; load ${load}`,
  '',
  '| row | heap per idle open connection | CPU per 10,000 messages | reconnect or connect p50 | p99 |',
  '| --- | ---: | ---: | ---: | ---: |',
  `| bare \`ws\` | ${bytes.ws.toFixed(0)} B | ${(cpuWs / 1000).toFixed(1)} ms | ${p(connect, 0.5).toFixed(2)} ms (connect) | ${p(connect, 0.99).toFixed(2)} ms |`,
  `| \`supervise\` + \`websocket()\` | ${bytes.tenacious.toFixed(0)} B (+${(bytes.tenacious - bytes.ws).toFixed(0)} B) | ${(cpuTenacious / 1000).toFixed(1)} ms (${(cpuTenacious / cpuWs).toFixed(2)}×) | ${p(reconnect, 0.5).toFixed(2)} ms (after the backoff) | ${p(reconnect, 0.99).toFixed(2)} ms |`,
];
process.stderr.write(`${lines.join('\n')}\n`);
emitResult({
  scenario: 's10',
  rows: [
    {
      id: 'ws',
      config: 'new WebSocket(url), on message: count',
      metrics: {
        bytesPerConnection: bytes.ws,
        cpuUsPer10k: cpuWs,
        connectP50: p(connect, 0.5),
        connectP99: p(connect, 0.99),
      },
    },
    {
      id: 'tenacious',
      config:
        'supervise(websocket(new WebSocket(url), { onMessage: count }), { staleAfterMs: 60000 })',
      metrics: {
        bytesPerConnection: bytes.tenacious,
        cpuUsPer10k: cpuTenacious,
        cpuRatio: cpuTenacious / cpuWs,
        reconnectP50: p(reconnect, 0.5),
        reconnectP99: p(reconnect, 0.99),
      },
    },
  ],
  text: lines.join('\n'),
});
