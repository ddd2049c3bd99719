import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { redisServerInstalled } from '../../examples/support/redis-server.js';

/**
 * Runs every example in a child process, as a user would (`node --import tsx examples/x.ts`),
 * all at once, and checks that each exits 0, prints its key lines and leaks no secret. The
 * examples are documentation: this keeps them from rotting.
 *
 * No child is killed on a timer: on a busy machine six `tsx` processes starting at once can take
 * far longer than at rest, and an example that hangs is still caught by the (generous) test
 * timeout below. Whether an example exits on its own in time is a heavy test's business.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Tested on their own (test/examples/<name>.test.ts), with their own expectations. */
const TESTED_ELSEWHERE = new Set(['nestjs-style-service.ts']);

interface Expectation {
  /** Substrings the output must contain. */
  lines: string[];
  /** Literal secrets the example is configured with: none may appear in its output. */
  secrets: string[];
}

const EXPECTED: Record<string, Expectation> = {
  'demo.ts': {
    lines: [
      'a simulated Binance spot venue (tenacious/simulator)',
      'get_open_orders attempt 1/4 failed (binance:-1003); retrying in 1000 ms',
      'reconcile after binance:-1007',
      'onUnknownOutcome: place_order, attempt 1 (binance:-1007): executed',
      'OUTCOME UNKNOWN: place_order (executed)',
      '1 time(s)',
      'alert delivered to chat -100123',
      'list_open_orders gave up',
      'market_stream: connection closed; reconnecting in 500 ms',
      'market_stream: stream down for',
      'market_stream: stream back after',
      'serverShutdown: replaced make-before-break, no message lost',
      'Summary',
    ],
    secrets: [
      'demo-api-key-0123456789abcdef',
      'demo-api-secret',
      '123456789:DEMOtokenDEMOtokenDEMOtokenDEMO12',
    ],
  },
  'binance-order.ts': {
    lines: [
      'unknown outcome (binance:-1007): looking the order up by client order id',
      // The weights follow the venue's one-minute window, which a run may straddle.
      '(fed by the classifier)',
      'reconcile: found order 1 (FILLED), not sending again',
      '/6000 used',
      'POST /api/v3/order sent 1 time(s); the venue executed it 1 time(s)',
    ],
    secrets: [
      'exampleApiKey0123456789abcdefEXAMPLEapiKEY0123456789abcdef',
      'exampleApiSecret0123456789abcdefEXAMPLEsecret0123456789',
    ],
  },
  'dex-adapter-decorator.ts': {
    lines: [
      'ChainAdapter.getBalance: attempt 1 failed (jsonrpc:-32603), retrying',
      'balance: 1 ETH',
      'not retried: InvalidInputRpcError (insufficient funds for gas * price + value), 1 request',
      'reconcile after network:UND_ERR_SOCKET:',
      'mined 1 time(s); eth_sendRawTransaction sent once for it (2 in all)',
    ],
    // The development key the example signs with (anvil's first account).
    secrets: ['ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'],
  },
  'fetch-with-retry-after.ts': {
    lines: [
      'server: 429 (Retry-After: 1)',
      'client: attempt 1 got http:429, waiting 1000 ms (Retry-After)',
      'client: attempt 2 got http:503, waiting 1000 ms (backoff)',
      'client: 200, 1 open order(s): ETHUSDT BUY 0.5 @ 3120.10',
      '3 requests, delays requested: 1000 ms, 1000 ms',
    ],
    secrets: [],
  },
  'telegram-alerts.ts': {
    lines: [
      'pager: fetch_open_orders gave up (http:503), and 4 more',
      'Telegram received 2 messages:',
      'Held back: 4 similar alerts',
      'signature=[REDACTED]',
    ],
    secrets: [
      '7012345678:AAExampleBotTokenExampleBotToken0',
      'exampleApiSecret0123456789abcdefEXAMPLE',
    ],
  },
  'fleet.ts': {
    // Without redis-server the example prints one line saying how to get one, and exits 0.
    lines: redisServerInstalled()
      ? [
          'A: 429 (Retry-After: 1)',
          'B: holds too, without a request of its own: yes',
          'B: circuit "binance" isolated; no attempt until release()',
          'A: breaker closed after B released it',
        ]
      : ['fleet example skipped: it needs redis-server on PATH'],
    secrets: [],
  },
  's3-upload.ts': {
    lines: [
      's3_put_report: attempt 1 got aws:SlowDown (retry), waiting 1500 ms',
      's3_put_report: attempt 2 got aws:SlowDown (retry), waiting 2500 ms',
      '3 PutObject requests',
      'upload started 2 times, aborted 1, completed 1',
      's3_put_locked: not retried: AccessDenied (HTTP 403), 1 request',
      'warn: s3_put_stacked: the client already made 3 attempts by itself; turn its retries off (AWS SDK client option `maxAttempts: 1`)',
      's3_put_stacked: stored after 4 PutObject requests for 2 tenacious attempts',
    ],
    secrets: ['example-secret-key'],
  },
  'stream.ts': {
    lines: [
      'stream: open',
      'stream: disconnected (closed); reconnecting in 500 ms',
      'stream: open again (reconnect 1)',
      'stream: disconnected (replaced); its replacement is already open',
      'replaced make-before-break: no message lost',
      'stopped: 3 connections, 2 reconnects, state stopped',
    ],
    secrets: [],
  },
  'circuit-breaker.ts': {
    lines: [
      'get_open_orders: gave up (budget) [2 requests]',
      'breaker: closed -> open',
      'get_open_orders: CircuitOpenError: circuit open; next probe in 30000 ms [0 requests]',
      'breaker: open -> half-open',
      'breaker: half-open -> closed',
      'get_order: 200 [1 request]',
    ],
    secrets: [],
  },
};

/** Secrets of any example, by shape: a signature value, a hex HMAC-SHA256, a Telegram bot token. */
const SECRET_SHAPES: RegExp[] = [
  /signature=(?!\[REDACTED\])[^\s&"]+/i,
  /\b[0-9a-f]{64}\b/i,
  /\d{6,}:[A-Za-z0-9_-]{30,}/,
];

const examples = readdirSync(join(root, 'examples')).filter(
  (name) => name.endsWith('.ts') && !name.endsWith('.test.ts') && !TESTED_ELSEWHERE.has(name),
);

interface Run {
  exitCode: number | string;
  stdout: string;
  stderr: string;
}

/** A safety net for an example that never exits, not a performance bound. */
const HUNG_AFTER_MS = 300_000;

function runExample(name: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join('examples', name)],
      { cwd: root, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) =>
        resolve({
          exitCode: error === null ? 0 : (error.signal ?? error.code ?? 'error'),
          stdout,
          stderr,
        }),
    );
  });
}

// All examples run at once; each test awaits its own.
const runs = new Map<string, Promise<Run>>();
beforeAll(() => {
  for (const name of examples) runs.set(name, runExample(name));
});

describe('examples', () => {
  it('has expectations for every example in examples/', () => {
    expect(examples.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  describe.each(examples)('examples/%s', { timeout: HUNG_AFTER_MS }, (name) => {
    const expected = EXPECTED[name] ?? { lines: [], secrets: [] };

    it('exits 0 with nothing on stderr', async () => {
      const run = await runs.get(name)!;
      expect({ exitCode: run.exitCode, stderr: run.stderr }).toEqual({ exitCode: 0, stderr: '' });
    });

    it('prints its key lines', async () => {
      const { stdout } = await runs.get(name)!;
      for (const line of expected.lines) expect(stdout).toContain(line);
    });

    it('prints no secret', async () => {
      const { stdout, stderr } = await runs.get(name)!;
      const output = stdout + stderr;
      for (const secret of expected.secrets) expect(output).not.toContain(secret);
      for (const shape of SECRET_SHAPES) expect(output).not.toMatch(shape);
    });
  });
});
