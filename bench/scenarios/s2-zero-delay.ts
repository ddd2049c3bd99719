/**
 * S2: three failures, then success, with zero delay: ns per call (four attempts). Measured as
 * the libraries are: a "zero" delay still costs a timer in some of them (cockatiel and
 * exponential-backoff call `setTimeout(0)`, which Node runs after at least 1 ms; async-retry
 * never waits less than 1 ms), so those rows are also compared by CPU time per call.
 */
import { contenders } from '../lib/contenders.js';
import { measure } from '../lib/micro.js';
import { emitResult, parseChildArgs, rotate } from '../lib/protocol.js';
import { microOptions } from '../lib/settings.js';
import { verifyAttempts } from '../lib/verify.js';
import { flaky } from '../lib/workloads.js';

const args = parseChildArgs();
const rows = contenders({ attempts: 4, delayMs: 0 });
await verifyAttempts(rows, 3, 4);

const measured = await measure(
  rotate(rows, args.rotate).map((row) => {
    const work = flaky(3);
    return {
      id: row.id,
      once: () => {
        work.arm();
        return row.call(work.fn);
      },
    };
  }),
  microOptions(args.quick),
);

emitResult({
  scenario: 's2',
  rows: measured.map((m) => ({
    id: m.id,
    config: rows.find((r) => r.id === m.id)!.config,
    metrics: { meanNs: m.meanNs, p50Ns: m.p50Ns, p99Ns: m.p99Ns, cpuNs: m.cpuNs, batch: m.batch },
  })),
});
