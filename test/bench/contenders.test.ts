import { describe, expect, it } from 'vitest';
import { contenders, PEER_IDS, ROW_IDS } from '../../bench/lib/contenders.js';
import { verifyAttempts } from '../../bench/lib/verify.js';
import { TRANSIENT } from '../../bench/lib/workloads.js';

describe('bench rows', () => {
  it('offers every library row, and the reference rows only when asked', () => {
    expect(
      contenders({ attempts: 4, delayMs: 0 }, { bare: true, timed: true }).map((r) => r.id),
    ).toEqual([...ROW_IDS]);
    expect(contenders({ attempts: 4, delayMs: 0 }).map((r) => r.id)).toEqual(
      ROW_IDS.filter((id) => id !== 'bare' && id !== 'floor-timed'),
    );
    expect(PEER_IDS).not.toContain('tenacious');
  });

  it('makes exactly four attempts on three failures with zero delay, in every row', async () => {
    await expect(
      verifyAttempts(contenders({ attempts: 4, delayMs: 0 }, { timed: true }), 3, 4),
    ).resolves.toBeUndefined();
  });

  it('makes exactly two attempts on one failure with a delay, in every row', async () => {
    await expect(
      verifyAttempts(contenders({ attempts: 2, delayMs: 5 }, { timed: true }), 1, 2),
    ).resolves.toBeUndefined();
  });

  it('gives up after the configured attempts with the last error, in every row', async () => {
    for (const row of contenders({ attempts: 4, delayMs: 0 }, { timed: true })) {
      let attempts = 0;
      const error: unknown = await row
        .call(async () => {
          attempts++;
          throw TRANSIENT;
        })
        .catch((e: unknown) => e);
      // tenacious wraps the last error in RetryExhaustedError (its `cause`); the peers rethrow it.
      const last = row.id === 'tenacious' ? (error as Error).cause : error;
      expect({ row: row.id, attempts, last }).toEqual({
        row: row.id,
        attempts: 4,
        last: TRANSIENT,
      });
    }
  });

  it('writes each configuration with its attempt count and delay', () => {
    const configs = Object.fromEntries(
      contenders({ attempts: 2, delayMs: 50 }).map((r) => [r.id, r.config]),
    );
    expect(configs.tenacious).toContain('maxAttempts: 2, backoff: constant(50)');
    expect(configs['p-retry']).toContain('retries: 1, minTimeout: 50, factor: 1');
    expect(configs.cockatiel).toContain('maxAttempts: 1, backoff: new ConstantBackoff(50)');
    expect(configs['exponential-backoff']).toContain('numOfAttempts: 2, startingDelay: 50');
    expect(configs['async-retry']).toContain(
      'retries: 1, minTimeout: 50, factor: 1, randomize: false',
    );
  });
});
