/**
 * S8: adaptive rate limiting. A local venue (bench/lib/venue.ts) with a hidden capacity that
 * changes: steady, then halved, then restored; above capacity it answers 429. Clients keep
 * `WORKERS` requests in flight as fast as they are allowed, through tenacious's
 * `adaptiveLimiter`, through the AWS SDK's own `DefaultRateLimiter` (@smithy/util-retry, its
 * adaptive retry mode), and through no limiter; the three run side by side, each against a venue
 * of its own. Measured per phase: throttled responses, useful throughput as a share of capacity,
 * seconds to adapt after each change.
 *
 * Then a fleet: 4 processes share one venue, either with one `adaptiveLimiter` on a real
 * redis-server (`store`) or with an independent AWS limiter each.
 *
 *   node .tmp/bench/s8-adaptive.mjs            (or: npm run bench -- --only=s8)
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import { DefaultRateLimiter } from '@smithy/util-retry';
import { createClient } from 'redis';
import { startRedisServer } from '../../examples/support/redis-server.js';
import { adaptiveLimiter, retry, type Outcome, type Verdict } from '../../src/index.js';
import { redisStore } from '../../src/redis/index.js';
import { emitResult, parseChildArgs } from '../lib/protocol.js';
import { get, startVenue } from '../lib/venue.js';

const WORKERS = 6;
const LATENCY_MS = 10;
const CAPACITY = 80;
const quick = parseChildArgs().quick;
const PHASE_S = quick ? 5 : 8;
const PHASES = [
  { name: 'steady', capacity: CAPACITY },
  { name: 'halved', capacity: CAPACITY / 2 },
  { name: 'restored', capacity: CAPACITY },
] as const;
const FLEET_PROCESSES = 4;
const FLEET_S = quick ? 8 : 12;
const THROTTLE: Verdict = { action: 'retry', reason: 'http:429' };

/** How a client sends one request under its pacing; resolves with the HTTP status. */
interface Pacer {
  send(request: () => Promise<number>): Promise<number>;
}

/** tenacious as users run it: `retry(…, { limiter })`, one attempt, the 429 judged a throttle. */
function tenaciousPacer(limiter = adaptiveLimiter()): Pacer {
  const options = {
    limiter,
    maxAttempts: 1,
    reraise: true,
    classify: (outcome: Outcome<number>) =>
      outcome.ok && outcome.value === 429 ? THROTTLE : undefined,
  };
  return { send: (request) => retry(request, options) };
}

function awsPacer(): Pacer {
  const limiter = new DefaultRateLimiter();
  return {
    send: async (request) => {
      await limiter.getSendToken();
      const status = await request();
      // What AdaptiveRetryStrategy passes: the error info on a retry, `{}` on success.
      limiter.updateClientSendingRate(status === 429 ? { errorType: 'THROTTLING' } : {});
      return status;
    },
  };
}

const noPacer: Pacer = { send: (request) => request() };

/** Each response: when (ms since start) and whether it was a 429. */
interface Log {
  at: number[];
  throttled: boolean[];
}

async function drive(url: string, pacer: Pacer, untilMs: number, start: number): Promise<Log> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: WORKERS });
  const log: Log = { at: [], throttled: [] };
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (performance.now() - start < untilMs) {
        const status = await pacer.send(() => get(url, agent));
        log.at.push(performance.now() - start);
        log.throttled.push(status === 429);
      }
    }),
  );
  agent.destroy();
  return log;
}

interface PhaseFigures {
  throttled: number;
  ok: number;
  /** Successes as a share of capacity × phase length. */
  share: number;
  /** Seconds from the phase's start until a 1 s window has >= 80 % of capacity in successes and <= 10 % of capacity in 429s, held to the phase's end on average. */
  adaptS: number;
}

function phaseFigures(log: Log, fromMs: number, toMs: number, capacity: number): PhaseFigures {
  let ok = 0;
  let throttled = 0;
  const bins = Math.round((toMs - fromMs) / 250);
  const okBins = new Array<number>(bins).fill(0);
  const thBins = new Array<number>(bins).fill(0);
  for (let i = 0; i < log.at.length; i++) {
    const t = log.at[i]!;
    if (t < fromMs || t >= toMs) continue;
    const bin = Math.floor((t - fromMs) / 250);
    if (log.throttled[i]) {
      throttled++;
      thBins[bin]!++;
    } else {
      ok++;
      okBins[bin]!++;
    }
  }
  let adaptS = Infinity;
  for (let b = 0; b + 4 <= bins; b++) {
    const okRate = okBins.slice(b, b + 4).reduce((s, v) => s + v, 0);
    const thRate = thBins.slice(b, b + 4).reduce((s, v) => s + v, 0);
    if (okRate >= 0.8 * capacity && thRate <= 0.1 * capacity) {
      adaptS = (b * 250) / 1000;
      break;
    }
  }
  return { throttled, ok, share: ok / (capacity * ((toMs - fromMs) / 1000)), adaptS };
}

async function single(): Promise<Record<string, PhaseFigures[]>> {
  const rows = { tenacious: tenaciousPacer(), aws: awsPacer(), unlimited: noPacer };
  const venues = await Promise.all(
    Object.keys(rows).map(() => startVenue({ capacity: CAPACITY, latencyMs: () => LATENCY_MS })),
  );
  const start = performance.now();
  const totalMs = PHASES.length * PHASE_S * 1000;
  const timers = PHASES.slice(1).map((phase, i) =>
    setTimeout(
      () => venues.forEach((v) => v.setCapacity(phase.capacity)),
      (i + 1) * PHASE_S * 1000,
    ),
  );
  const logs = await Promise.all(
    Object.values(rows).map((pacer, i) => drive(venues[i]!.url, pacer, totalMs, start)),
  );
  timers.forEach(clearTimeout);
  await Promise.all(venues.map((v) => v.close()));
  return Object.fromEntries(
    Object.keys(rows).map((id, i) => [
      id,
      PHASES.map((phase, p) =>
        phaseFigures(logs[i]!, p * PHASE_S * 1000, (p + 1) * PHASE_S * 1000, phase.capacity),
      ),
    ]),
  );
}

/** One fleet process: drives the venue for FLEET_S s and prints its log's counts per second. */
async function fleetWorker(kind: string, url: string, redisUrl: string): Promise<void> {
  let pacer: Pacer;
  let close = async () => {};
  if (kind === 'tenacious') {
    const client = await createClient({ url: redisUrl }).connect();
    const store = redisStore({ client });
    pacer = tenaciousPacer(adaptiveLimiter({ store, key: 'venue' }));
    close = async () => {
      await store.close();
      client.destroy();
    };
  } else {
    pacer = awsPacer();
  }
  const start = performance.now();
  const log = await drive(url, pacer, FLEET_S * 1000, start);
  await close();
  process.stdout.write(`${JSON.stringify(log)}\n`);
}

function runWorker(kind: string, url: string, redisUrl: string): Promise<Log> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [process.argv[1]!, `--worker=${kind}`, url, redisUrl], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').pop()!) as Log)
        : reject(new Error(`worker ${code}`)),
    );
  });
}

async function fleet(): Promise<
  Record<string, { sentShare: number; okShare: number; throttled: number }>
> {
  const redis = await startRedisServer();
  const kinds = ['tenacious', 'aws'];
  const venues = await Promise.all(
    kinds.map(() => startVenue({ capacity: CAPACITY, latencyMs: () => LATENCY_MS })),
  );
  const logs = await Promise.all(
    kinds.map((kind, k) =>
      Promise.all(
        Array.from({ length: FLEET_PROCESSES }, () => runWorker(kind, venues[k]!.url, redis.url)),
      ),
    ),
  );
  await Promise.all(venues.map((v) => v.close()));
  await redis.stop();
  // The second half: after the cold start, where the fleet's steady state shows.
  const fromMs = (FLEET_S * 1000) / 2;
  const toMs = FLEET_S * 1000;
  const seconds = (toMs - fromMs) / 1000;
  return Object.fromEntries(
    kinds.map((kind, k) => {
      let sent = 0;
      let ok = 0;
      let throttled = 0;
      for (const log of logs[k]!) {
        log.at.forEach((t, i) => {
          if (t < fromMs || t >= toMs) return;
          sent++;
          if (log.throttled[i]) throttled++;
          else ok++;
        });
      }
      return [
        kind,
        { sentShare: sent / (CAPACITY * seconds), okShare: ok / (CAPACITY * seconds), throttled },
      ];
    }),
  );
}

const workerArg = process.argv.find((a) => a.startsWith('--worker='));
if (workerArg !== undefined) {
  await fleetWorker(workerArg.slice('--worker='.length), process.argv[3]!, process.argv[4]!);
} else {
  const loadBefore = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const phases = await single();
  const fleetFigures = await fleet();
  const loadAfter = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const lines: string[] = [
    `S8 adaptive rate limiting: capacity ${CAPACITY}/s → ${CAPACITY / 2}/s → ${CAPACITY}/s, ${PHASE_S} s each; ${WORKERS} requests in flight, ${LATENCY_MS} ms latency; load ${loadBefore} → ${loadAfter}`,
    '',
    '| row | phase | 429s | successes | share of capacity | s to adapt |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const [id, figures] of Object.entries(phases)) {
    figures.forEach((f, p) =>
      lines.push(
        `| ${id} | ${PHASES[p]!.name} | ${f.throttled} | ${f.ok} | ${(f.share * 100).toFixed(0)} % | ${Number.isFinite(f.adaptS) ? f.adaptS.toFixed(2) : 'never'} |`,
      ),
    );
  }
  const total = (id: string, key: 'throttled' | 'ok') =>
    phases[id]!.reduce((s, f) => s + f[key], 0);
  const throttleRatio = total('tenacious', 'throttled') / total('aws', 'throttled');
  const okRatio = total('tenacious', 'ok') / total('aws', 'ok');
  lines.push(
    '',
    `tenacious / AWS: 429s ${throttleRatio.toFixed(2)}×, successes ${okRatio.toFixed(2)}×; tenacious / unlimited: 429s ${(total('tenacious', 'throttled') / total('unlimited', 'throttled')).toFixed(3)}×, successes ${(total('tenacious', 'ok') / total('unlimited', 'ok')).toFixed(2)}×`,
    '',
    `Fleet of ${FLEET_PROCESSES} processes, capacity ${CAPACITY}/s, last ${FLEET_S / 2} s of ${FLEET_S}:`,
    '| row | sent / capacity | successes / capacity | 429s |',
    '| --- | ---: | ---: | ---: |',
    ...Object.entries(fleetFigures).map(
      ([id, f]) =>
        `| ${id === 'tenacious' ? 'one shared adaptiveLimiter (redis)' : '4 independent AWS limiters'} | ${(f.sentShare * 100).toFixed(0)} % | ${(f.okShare * 100).toFixed(0)} % | ${f.throttled} |`,
    ),
  );
  process.stderr.write(`${lines.join('\n')}\n`);
  emitResult({
    scenario: 's8',
    rows: [
      ...Object.entries(phases).flatMap(([id, figures]) =>
        figures.map((f, p) => ({
          id,
          group: PHASES[p]!.name,
          config: `${WORKERS} in flight`,
          metrics: {
            throttled: f.throttled,
            ok: f.ok,
            share: f.share,
            adaptS: Number.isFinite(f.adaptS) ? f.adaptS : -1,
          },
        })),
      ),
      ...Object.entries(fleetFigures).map(([id, f]) => ({
        id: `fleet-${id}`,
        config: `${FLEET_PROCESSES} processes`,
        metrics: f,
      })),
    ],
    text: lines.join('\n'),
  });
}
