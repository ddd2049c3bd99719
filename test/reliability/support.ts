import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../../src/index.js';
import { listenOnLoopback } from '../helpers/listen.js';

/** The project root, found from this file (not from the working directory). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where the child-process scripts live. */
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'reliability');

// ---------------------------------------------------------------------------------------------
// Faults: unhandled rejections and uncaught exceptions, observed by the test itself.
// ---------------------------------------------------------------------------------------------

/**
 * Records every `unhandledRejection` and `uncaughtException` from now until `stop()`. The
 * suite-wide guard in test/setup.ts fails the test too; recording here lets a test assert the
 * exact absence (`expect(probe.faults).toEqual([])`) after it has waited for the late events it
 * provoked, with the fault in the failure message.
 */
export function faultProbe(): { faults: unknown[]; stop(): void } {
  const faults: unknown[] = [];
  const onFault = (error: unknown) => faults.push(error);
  process.on('unhandledRejection', onFault);
  process.on('uncaughtException', onFault);
  return {
    faults,
    stop() {
      process.off('unhandledRejection', onFault);
      process.off('uncaughtException', onFault);
    },
  };
}

/** One full event-loop turn: every microtask queued before it, and pending rejections, are processed. */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Several event-loop turns, so that rejection tracking (which runs after microtasks) has run. */
export async function turns(n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await turn();
}

/** A real-time wait, for the few tests that need a real timer to fire (always well under a second). */
export function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How a promise settled, without ever leaving it unhandled. */
export type Settlement<T> =
  | { status: 'pending' }
  | { status: 'fulfilled'; value: T }
  | { status: 'rejected'; reason: unknown };

/** Tracks a promise's settlement synchronously readable (`state.status`), handling its rejection. */
export function track<T>(promise: Promise<T>): { state: Settlement<T>; done: Promise<void> } {
  const holder: { state: Settlement<T>; done: Promise<void> } = {
    state: { status: 'pending' },
    done: Promise.resolve(),
  };
  holder.done = promise.then(
    (value) => {
      holder.state = { status: 'fulfilled', value };
    },
    (reason: unknown) => {
      holder.state = { status: 'rejected', reason };
    },
  );
  return holder;
}

// ---------------------------------------------------------------------------------------------
// Virtual time: a discrete-event clock for many concurrent runs.
// ---------------------------------------------------------------------------------------------

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * A clock whose sleeps wake in time order when the test moves time forward with `runUntil`.
 * Unlike the instant clock, concurrent runs interleave as they would in real time, so a storm
 * spread over minutes can be simulated in milliseconds.
 */
export class VirtualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(startMs = 0) {
    this.t = startMs;
  }

  now = (): number => this.t;

  sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const timer: Timer = { at: this.t + Math.max(0, ms), seq: this.seq++, resolve };
      this.timers.push(timer);
      signal?.addEventListener(
        'abort',
        () => {
          this.timers = this.timers.filter((x) => x !== timer);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  };

  /** Sleeps not yet woken. */
  pending(): number {
    return this.timers.length;
  }

  /**
   * Moves time to `endMs`, waking every sleep due on the way in time order and letting the
   * woken runs proceed (one event-loop turn) before moving on.
   */
  async runUntil(endMs: number): Promise<void> {
    await turn();
    for (;;) {
      let next: Timer | undefined;
      for (const timer of this.timers) {
        if (timer.at <= endMs && (next === undefined || timer.at < next.at)) next = timer;
      }
      if (next === undefined) break;
      const at = next.at;
      this.t = at;
      const due = this.timers.filter((x) => x.at === at).sort((a, b) => a.seq - b.seq);
      this.timers = this.timers.filter((x) => x.at !== at);
      for (const timer of due) timer.resolve();
      await turn();
    }
    this.t = Math.max(this.t, endMs);
    await turn();
  }
}

// ---------------------------------------------------------------------------------------------
// A local HTTP server standing in for the Bot API or a webhook.
// ---------------------------------------------------------------------------------------------

/** One request as the local server received it. */
export interface ReceivedRequest {
  path: string;
  body: string;
}

export interface LocalServer {
  url: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 (port 0); `respond` answers (default: 200 `{"ok":true}`). */
export async function startServer(
  respond: (req: ReceivedRequest, res: ServerResponse, index: number) => void = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  },
): Promise<LocalServer> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received = { path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') };
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

/**
 * An alert endpoint whose first path segment lists the statuses it answers in turn, per
 * segment: requests to `/500-200/...` get 500, then 200 from then on (see ScenarioEnv in
 * test/fixtures/reliability/scenarios.ts).
 */
export function startAlertEndpoint(): Promise<LocalServer> {
  const seen = new Map<string, number>();
  return startServer((req, res) => {
    const prefix = req.path.split('/')[1] ?? '';
    const statuses = prefix.split('-').map(Number);
    const n = seen.get(prefix) ?? 0;
    seen.set(prefix, n + 1);
    const status = statuses[Math.min(n, statuses.length - 1)] || 200;
    res.writeHead(status, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
}

// ---------------------------------------------------------------------------------------------
// Child processes: the library prebundled from source, loaded by plain `node`.
// ---------------------------------------------------------------------------------------------

/**
 * Bundles the library from source into one ESM file inside the project (so that its runtime
 * dependencies resolve from node_modules), with each subpath as a namespace: `core`, `alerts`,
 * `binance`, `testing`. `node --import tsx` costs about a second per child on this machine;
 * the bundle loads in a tenth of that.
 */
export async function buildBundle(): Promise<{
  dir: string;
  lib: string;
  remove(): Promise<void>;
}> {
  const { build } = await import('esbuild');
  await mkdir(join(ROOT, '.tmp'), { recursive: true });
  const dir = await mkdtemp(join(ROOT, '.tmp', 'reliability-'));
  const lib = join(dir, 'lib.mjs');
  await build({
    stdin: {
      contents: [
        "export * as core from './src/index.ts';",
        "export * as alerts from './src/alerts/index.ts';",
        "export * as binance from './src/binance/index.ts';",
        "export * as testing from './src/testing/index.ts';",
      ].join('\n'),
      resolveDir: ROOT,
      loader: 'ts',
      sourcefile: 'reliability-entry.ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: lib,
    logLevel: 'silent',
  });
  return { dir, lib, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** What a child process printed and when it exited. */
export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Epoch ms (sub-millisecond) at which the parent saw the `exit` event. */
  exitAt: number;
  /** Lines of stdout that are JSON objects, parsed. */
  records: Record<string, any>[];
}

/** High-resolution epoch milliseconds, comparable across processes on one machine. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Runs `node [...nodeArgs] script ...args`, killing it after `timeoutMs`. */
export function runChild(
  script: string,
  args: string[],
  options: { nodeArgs?: string[]; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    let stdout = '';
    let stderr = '';
    let exitAt = 0;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('exit', () => {
      exitAt = epochNow();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      const records = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, any>);
      resolve({ code, signal, stdout, stderr, exitAt, records });
    });
  });
}
