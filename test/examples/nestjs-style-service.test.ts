import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('examples/nestjs-style-service.ts', () => {
  it('retries, reconciles the orders, closes its venue and exits 0', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'examples/nestjs-style-service.ts'],
      { cwd: root },
    );
    expect(stderr).not.toMatch(/error/i);
    expect(stdout).toContain(
      'ExchangeAdapter.getOpenOrders: attempt 2/4 failed (http:503), retrying in 100 ms',
    );
    expect(stdout).toContain('open orders on BTCUSDT: 0');
    expect(stdout).toContain('reconcile demo-1: found order 1, not resending');
    expect(stdout).toContain('order demo-1: FILLED as order 1');
    expect(stdout).toContain('reconcile demo-2: not on the exchange, safe to resend');
    expect(stdout).toContain('order demo-2: FILLED as order 2');
    expect(stdout).toContain('the venue executed demo-1 1 time(s)');
    expect(stdout).toContain('the venue executed demo-2 1 time(s)');
    expect(stdout.trimEnd().endsWith('done')).toBe(true);
    // A safety net for a child that never exits, not a performance bound: under load a `tsx`
    // child can take many times its usual second or two.
  }, 300_000);
});
