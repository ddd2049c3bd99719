/**
 * Per-call cost with tinybench. A tinybench sample is one batch of sequential, awaited calls
 * (sized so that a batch lasts about `targetBatchMs`), reported as the batch's mean per call:
 * timing single calls of 100 ns would mostly measure the timer and the await around them.
 * CPU time (user + system, all threads) is read around the measured phase and divided by the
 * calls made in it, so rows that sleep on a timer are also compared by the work they do.
 */
import { Bench } from 'tinybench';

export interface MicroTask {
  readonly id: string;
  /** One call, awaited by the harness. */
  readonly once: () => Promise<unknown>;
}

export interface MicroOptions {
  /** tinybench `time` per task, ms. */
  readonly timeMs: number;
  /** tinybench `warmupTime` per task, ms. */
  readonly warmupMs: number;
  /** Minimum samples per task (tinybench `iterations`). */
  readonly iterations: number;
  /** Wanted duration of one sample (one batch of calls), ms. */
  readonly targetBatchMs: number;
  /** Warm-up, then estimate, each this long, before the batch size is chosen, ms. */
  readonly calibrateMs: number;
}

export interface MicroResult {
  readonly id: string;
  /** tinybench latency mean, ns per call. */
  readonly meanNs: number;
  /** tinybench latency median over batches, ns per call (robust to preemption on a busy machine). */
  readonly p50Ns: number;
  /** tinybench latency p99 over batches, ns per call. */
  readonly p99Ns: number;
  /** Process CPU time per call over the measured phase, ns. */
  readonly cpuNs: number;
  readonly batch: number;
  readonly samples: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Calls `once` again and again for `ms`; returns how many calls fitted. */
async function spin(
  once: () => Promise<unknown>,
  ms: number,
): Promise<{ calls: number; elapsed: number }> {
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    await once();
    calls++;
    elapsed = performance.now() - start;
  }
  return { calls, elapsed };
}

/**
 * Calls per batch: the code is warmed up first (a cold estimate would be dominated by the
 * interpreter), then a short timed loop estimates one call's cost.
 */
async function batchSize(once: () => Promise<unknown>, o: MicroOptions): Promise<number> {
  await spin(once, o.calibrateMs);
  const { calls, elapsed } = await spin(once, o.calibrateMs);
  return Math.max(1, Math.min(100_000, Math.round((o.targetBatchMs * calls) / elapsed)));
}

/** Measures each task in the given order (rotate the order between processes). */
export async function measure(
  tasks: readonly MicroTask[],
  o: MicroOptions,
): Promise<MicroResult[]> {
  const bench = new Bench({
    time: o.timeMs,
    warmupTime: o.warmupMs,
    iterations: o.iterations,
    warmupIterations: 4,
    throws: true,
  });
  const meta = new Map<string, { batch: number; calls: number; cpuUs: number }>();
  for (const task of tasks) {
    const batch = await batchSize(task.once, o);
    const m = { batch, calls: 0, cpuUs: 0 };
    meta.set(task.id, m);
    const once = task.once;
    let counting = false;
    let cpuStart = process.cpuUsage();
    bench.add(
      task.id,
      async () => {
        const t0 = performance.now();
        for (let i = 0; i < batch; i++) await once();
        const dt = performance.now() - t0;
        if (counting) m.calls += batch;
        return { overriddenDuration: dt / batch, overriddenIterationCost: dt };
      },
      {
        beforeAll(mode) {
          // Each task starts on a clean heap: the garbage of the previous row is not its bill.
          gc?.();
          if (mode === 'run') {
            counting = true;
            cpuStart = process.cpuUsage();
          }
        },
        afterAll(mode) {
          if (mode === 'run') {
            counting = false;
            const used = process.cpuUsage(cpuStart);
            m.cpuUs = used.user + used.system;
          }
        },
      },
    );
  }
  await bench.run();
  return bench.tasks.map((task) => {
    const r = task.result;
    if (r.state !== 'completed') {
      throw new Error(`task ${task.name} did not complete: ${r.state}`, {
        cause: r.state === 'errored' ? r.error : undefined,
      });
    }
    const m = meta.get(task.name)!;
    return {
      id: task.name,
      meanNs: r.latency.mean * 1e6,
      p50Ns: r.latency.p50 * 1e6,
      p99Ns: r.latency.p99 * 1e6,
      cpuNs: (m.cpuUs * 1e3) / m.calls,
      batch: m.batch,
      samples: r.latency.samplesCount,
    };
  });
}
