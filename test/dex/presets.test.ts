import { describe, expect, it } from 'vitest';
import { RetryExhaustedError } from '../../src/index.js';
import { DexTimeoutError, dexPresets } from '../../src/dex/index.js';
import { record, rejection } from './run.js';

describe('dexPresets', () => {
  it('marks order placement and transaction sends as not idempotent', () => {
    expect(dexPresets.dexOrder.idempotent).toBe(false);
    expect(dexPresets.evmSend.idempotent).toBe(false);
    expect(dexPresets.dexQuery.idempotent).toBe(true);
    expect(dexPresets.evmRead.idempotent).toBe(true);
  });

  it('are frozen plain option objects', () => {
    expect(Object.isFrozen(dexPresets)).toBe(true);
    for (const preset of Object.values(dexPresets)) {
      expect(Object.isFrozen(preset)).toBe(true);
      expect(typeof preset.classify).toBe('function');
      expect(typeof preset.backoff).toBe('function');
    }
  });

  it('dexQuery retries a DexTimeoutError up to 5 attempts with growing delays', async () => {
    const run = await record(
      async () => {
        throw new DexTimeoutError('slow');
      },
      { ...dexPresets.dexQuery, random: () => 0.5 },
    );
    expect(rejection(run)).toBeInstanceOf(RetryExhaustedError);
    expect(rejection(run)).toMatchObject({ attempts: 5 });
    // equal jitter with random 0.5: d/2 + d/4 of 250, 500, 1000, 2000.
    expect(run.clock.sleeps).toEqual([187.5, 375, 750, 1500]);
  });

  it('evmRead waits the 30 s an Infura -32005 asks for', async () => {
    let calls = 0;
    const run = await record(
      async () => {
        if (++calls === 1)
          throw {
            code: -32005,
            message: 'project ID request rate exceeded',
            data: { backoff_seconds: 30 },
          };
        return '0x10';
      },
      { ...dexPresets.evmRead },
    );
    expect(run.result).toEqual({ ok: true, value: '0x10' });
    expect(run.clock.sleeps).toEqual([30000]);
  });

  it('evmSend retries a refused connection: nothing reached the node', async () => {
    let calls = 0;
    const run = await record(
      async () => {
        if (++calls === 1)
          throw Object.assign(new Error('connect ECONNREFUSED'), {
            code: 'ECONNREFUSED',
            syscall: 'connect',
          });
        return '0xhash';
      },
      { ...dexPresets.evmSend },
    );
    expect(run.result).toEqual({ ok: true, value: '0xhash' });
    expect(run.verdicts).toEqual([{ action: 'retry', reason: 'network:ECONNREFUSED' }]);
  });
});
