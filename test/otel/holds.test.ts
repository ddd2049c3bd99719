import { trace } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { binanceWeightTracker } from '../../src/binance/index.js';
import { retry } from '../../src/index.js';
import { instrument } from '../../src/otel/index.js';
import { instantClock } from '../../src/testing/index.js';
import { startSdk, useAsyncHooksContext, type Sdk } from './support.js';

let removeContext: () => void;
let sdk: Sdk;
let stop: (() => void) | undefined;

beforeAll(() => {
  removeContext = useAsyncHooksContext();
});
afterAll(() => removeContext());

beforeEach(() => {
  sdk = startSdk();
});

afterEach(async () => {
  stop?.();
  stop = undefined;
  await sdk.shutdown();
});

/** A tracker whose next caller is held by a 418 ban of 30 s. */
function bannedTracker() {
  const tracker = binanceWeightTracker({ limit: 6000, clock: instantClock() });
  tracker.update({ 'retry-after': '30' }, 418);
  return tracker;
}

describe('instrument(): holds', () => {
  it('adds a tenacious.hold event to the run span when an attempt is held', async () => {
    stop = instrument({ tracerProvider: sdk.tracerProvider, meterProvider: sdk.meterProvider });
    const tracker = bannedTracker();
    await retry(
      async ({ signal }) => {
        await tracker.acquire(1, { signal });
        return 'ok';
      },
      { operation: 'get_account', clock: instantClock() },
    );
    const [span] = sdk.spans();
    expect(span!.name).toBe('retry get_account');
    expect(span!.events.map((e) => [e.name, e.attributes])).toEqual([
      [
        'tenacious.hold',
        {
          'tenacious.hold.source': 'binance-weight',
          'tenacious.reason': 'ban',
          'tenacious.hold.wait_ms': 30_000,
        },
      ],
    ]);
  });

  it("adds the event to the caller's own active span outside a run", async () => {
    stop = instrument({ tracerProvider: sdk.tracerProvider, meterProvider: sdk.meterProvider });
    const tracker = bannedTracker();
    const tracer = sdk.tracerProvider.getTracer('service');
    await tracer.startActiveSpan('sync positions', async (span) => {
      await tracker.acquire();
      span.end();
    });
    expect(sdk.spans().map((s) => [s.name, s.events.map((e) => e.name)])).toEqual([
      ['sync positions', ['tenacious.hold']],
    ]);
  });

  it('adds nothing once stopped', async () => {
    stop = instrument({ tracerProvider: sdk.tracerProvider, meterProvider: sdk.meterProvider });
    stop();
    const tracker = bannedTracker();
    const tracer = sdk.tracerProvider.getTracer('service');
    await tracer.startActiveSpan('sync positions', async (span) => {
      await tracker.acquire();
      expect(trace.getActiveSpan()).toBe(span);
      span.end();
    });
    expect(sdk.spans()[0]!.events).toEqual([]);
  });
});
