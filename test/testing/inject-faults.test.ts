import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClassifier } from '../../src/http/index.js';
import { defaultClassifier, retry, type Verdict } from '../../src/index.js';
import {
  injectFaults,
  instantClock,
  seededRandom,
  type InjectedFault,
} from '../../src/testing/index.js';
import { listenOnLoopback } from '../helpers/listen.js';

/** What a real server does to a request, per path. */
let server: { url: string; close(): Promise<void> };
let refusedUrl: string;
beforeAll(async () => {
  const http: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/reset') res.socket?.destroy();
      else if (req.url === '/429' || req.url === '/418')
        res
          .writeHead(Number(req.url.slice(1)), { 'retry-after': '1', 'content-type': 'text/plain' })
          .end('slow down');
      else res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
    });
  });
  server = await listenOnLoopback(http);
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  refusedUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});
afterAll(() => server.close());

const caught = async (work: () => Promise<unknown>): Promise<unknown> => {
  try {
    await work();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
};

/** The real failure each fault imitates, produced on a real socket. */
// timeout-after-send waits for undici's headersTimeout (a 1 s timer wheel): inject-faults.heavy.test.ts.
const REAL: Record<Exclude<InjectedFault, 'timeout-after-send'>, () => Promise<unknown>> = {
  refused: () => caught(() => fetch(`${refusedUrl}/order`, { method: 'POST' })),
  // RFC 6761: `.invalid` never resolves.
  dns: () => caught(() => fetch('http://api.example.invalid/order', { method: 'POST' })),
  '429': () => caught(() => axios.post(`${server.url}/429`, {})),
  '418': () => caught(() => axios.post(`${server.url}/418`, {})),
  'reset-after-send': () => caught(() => fetch(`${server.url}/reset`, { method: 'POST' })),
  '503-after-send': () => caught(() => axios.post(`${server.url}/503`, {})),
};

const verdicts = (error: unknown): [Verdict | undefined, Verdict | undefined] => [
  defaultClassifier({ ok: false, error }),
  httpClassifier()({ ok: false, error }),
];

const FAULTS = Object.keys(REAL) as (keyof typeof REAL)[];

describe('injectFaults: each fault is classified as the real failure it imitates', () => {
  it.each(FAULTS)('%s gets the verdicts of the real failure', async (fault) => {
    const injected = injectFaults(async () => 'sent', [{ fault, retryAfterMs: 1000 }]);
    const imitation = await caught(() => injected());
    expect(verdicts(imitation)).toEqual(verdicts(await REAL[fault]()));
  });

  it('gives the verdicts the rules promise', async () => {
    const table: Record<string, unknown> = {};
    for (const fault of FAULTS) {
      const error = await caught(() => injectFaults(async () => 1, [fault])());
      table[fault] = verdicts(error).map((v) => `${v?.action} ${v?.reason}`);
    }
    expect(table).toEqual({
      refused: ['retry network:ECONNREFUSED', 'retry network:ECONNREFUSED'],
      dns: ['retry network:ENOTFOUND', 'retry network:ENOTFOUND'],
      '429': ['unknown unclassified', 'retry http:429'],
      '418': ['unknown unclassified', 'fail http:418'],
      'reset-after-send': ['unknown unclassified', 'unknown network:UND_ERR_SOCKET'],
      '503-after-send': ['unknown unclassified', 'unknown http:503'],
    });
  });
});

describe('injectFaults: sequences', () => {
  it('never calls fn for a fault before sending', async () => {
    let called = 0;
    const injected = injectFaults(async () => ++called, ['refused', 'dns', '429', '418']);
    for (let i = 0; i < 4; i++) await caught(() => injected());
    expect({ called, sent: injected.sent, faults: injected.faults }).toEqual({
      called: 0,
      sent: 0,
      faults: 4,
    });
  });

  it('calls fn once and then throws for a fault after sending', async () => {
    const args: unknown[] = [];
    const injected = injectFaults(async (order: string) => args.push(order), ['reset-after-send']);
    const error = await caught(() => injected('BTC'));
    expect({ args, message: (error as Error).message, sent: injected.sent }).toEqual({
      args: ['BTC'],
      message: 'fetch failed',
      sent: 1,
    });
  });

  it('answers normally once the sequence is spent', async () => {
    const injected = injectFaults(async (x: number) => x * 2, ['503-after-send']);
    await caught(() => injected(1));
    expect(await injected(21)).toBe(42);
    expect(injected.history).toEqual(['503-after-send', 'ok']);
  });

  it('counts calls, faults and sends', async () => {
    const injected = injectFaults(async () => 'ok', ['refused', 'timeout-after-send', 'ok']);
    for (let i = 0; i < 3; i++) await injected().catch(() => undefined);
    expect([injected.calls, injected.faults, injected.sent]).toEqual([3, 2, 2]);
  });

  it("sends the 429's retryAfterMs as Retry-After in whole seconds", async () => {
    const injected = injectFaults(async () => 'ok', [{ fault: '429', retryAfterMs: 1500 }]);
    const error = (await caught(() => injected())) as { response: { headers: object } };
    expect(error.response.headers).toEqual({ 'content-type': 'text/plain', 'retry-after': '2' });
  });

  it('keeps this for methods', async () => {
    const adapter = {
      prefix: 'id-',
      place: injectFaults(async function (this: { prefix: string }, n: number) {
        return `${this.prefix}${n}`;
      }, []),
    };
    expect(await adapter.place(7)).toBe('id-7');
  });
});

describe('injectFaults: rates', () => {
  it('injects faults at the given rates with a seeded random source', async () => {
    const injected = injectFaults(
      async () => 'ok',
      { refused: 0.1, '503-after-send': 0.1 },
      { random: seededRandom(7) },
    );
    for (let i = 0; i < 1000; i++) await injected().catch(() => undefined);
    const count = (name: string) => injected.history.filter((h) => h === name).length;
    expect([count('refused'), count('503-after-send'), count('ok')]).toEqual(
      sameSeedCounts(7, 1000),
    );
  });

  it('waits latencyMs on the given clock before every call', async () => {
    const clock = instantClock();
    const injected = injectFaults(async () => 'ok', { latencyMs: 200 }, { clock });
    await injected();
    await injected();
    expect(clock.sleeps).toEqual([200, 200]);
  });

  it('lets retry place an order once through a reset, with reconcile finding it', async () => {
    const book = new Set<string>();
    const place = injectFaults(
      async (id: string) => {
        book.add(id);
        return 'placed';
      },
      ['reset-after-send'],
    );
    const result = await retry<string>(() => place('c1'), {
      idempotent: false,
      clock: instantClock(),
      reconcile: async () =>
        book.has('c1') ? { executed: true, value: 'found' } : { executed: false },
    });
    expect({ result, sent: place.sent, book: [...book] }).toEqual({
      result: 'found',
      sent: 1,
      book: ['c1'],
    });
  });
});

/** The counts the plan's thresholds give for the seed's first n draws (0.1 refused, 0.2 503). */
function sameSeedCounts(seed: number, n: number): number[] {
  const random = seededRandom(seed);
  const counts = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const r = random();
    counts[r < 0.1 ? 0 : r < 0.2 ? 1 : 2]! += 1;
  }
  return counts;
}

describe('injectFaults: bad plans', () => {
  it('names an unknown fault in a sequence', () => {
    expect(() => injectFaults(async () => 1, ['ok', 'reset'] as never)).toThrow(
      new RangeError(
        'injectFaults: plan[1]: expected one of "refused", "dns", "429", "418", "reset-after-send", "timeout-after-send", "503-after-send", "ok", got "reset"',
      ),
    );
  });

  it('names a rate outside [0, 1]', () => {
    expect(() => injectFaults(async () => 1, { refused: 1.5 })).toThrow(
      new RangeError('injectFaults: plan: refused: expected a number >= 0 and <= 1, got 1.5'),
    );
  });

  it('names an unknown fault in rates', () => {
    expect(() => injectFaults(async () => 1, { refuse: 0.1 } as never)).toThrow(TypeError);
    expect(() => injectFaults(async () => 1, { refuse: 0.1 } as never)).toThrow(
      /unknown option "refuse" \(did you mean "refused"\?\)/,
    );
  });

  it('refuses rates summing to more than 1', () => {
    expect(() => injectFaults(async () => 1, { refused: 0.6, dns: 0.6 })).toThrow(
      new RangeError('injectFaults: plan: expected rates summing to at most 1, got 1.2'),
    );
  });

  it('names a bad retryAfterMs in a step', () => {
    expect(() => injectFaults(async () => 1, [{ fault: '429', retryAfterMs: -1 }])).toThrow(
      new RangeError('injectFaults: plan[0]: retryAfterMs: expected a number >= 0, got -1'),
    );
  });

  it('names a plan that is neither', () => {
    expect(() => injectFaults(async () => 1, 'refused' as never)).toThrow(
      new TypeError(
        'injectFaults: plan: expected an array of faults or an object of rates, got "refused"',
      ),
    );
  });
});
