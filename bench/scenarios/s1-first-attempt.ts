/**
 * S1: success on the first attempt, ns per call. Every row gets the zero-delay, four-attempt
 * configuration of S2 (nothing is retried here, so only the cost of entering and leaving the
 * library is measured); `bare` is the call with no library at all, and `floor-timed` the floor
 * plus the clock read a time budget needs.
 */
import { contenders } from '../lib/contenders.js';
import { measure } from '../lib/micro.js';
import { emitResult, parseChildArgs, rotate } from '../lib/protocol.js';
import { microOptions } from '../lib/settings.js';
import { verifyAttempts } from '../lib/verify.js';
import { succeed } from '../lib/workloads.js';

const args = parseChildArgs();
const rows = contenders({ attempts: 4, delayMs: 0 }, { bare: true, timed: true });
await verifyAttempts(rows, 0, 1);

const measured = await measure(
  rotate(rows, args.rotate).map((row) => ({ id: row.id, once: () => row.call(succeed) })),
  microOptions(args.quick),
);

emitResult({
  scenario: 's1',
  rows: measured.map((m) => ({
    id: m.id,
    config: rows.find((r) => r.id === m.id)!.config,
    metrics: { meanNs: m.meanNs, p50Ns: m.p50Ns, p99Ns: m.p99Ns, cpuNs: m.cpuNs, batch: m.batch },
  })),
});
