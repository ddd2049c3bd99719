/**
 * S6: the other ways into the engine, against plain `retry(fn, opts)`: `createRetry` (with and
 * without per-call options), the `@retryable` decorator (standard decorators, a per-instance
 * options function, and the `experimentalDecorators` form), `retry(fn)` with the library
 * defaults, and `retry` given a fresh options literal on every call (validated every time).
 * Two workloads: success on the first attempt, and three failures then success with zero delay.
 * Every method body is the workload itself, so no row pays for an extra call the others skip.
 */
import { createRetry, none, retry, retryable, type RetryOptions } from '../../src/index.js';
import { measure, type MicroTask } from '../lib/micro.js';
import { emitResult, parseChildArgs, rotate } from '../lib/protocol.js';
import { microOptions } from '../lib/settings.js';
import { TRANSIENT } from '../lib/workloads.js';

const OPTIONS: RetryOptions = { maxAttempts: 4, backoff: none };
const CALL_OPTIONS: RetryOptions = { operation: 'bench' };

/** Failures left for the current call (calls run one after another). */
let remaining = 0;

async function ok(): Promise<number> {
  return 1;
}
async function flaky(): Promise<number> {
  if (remaining > 0) {
    remaining--;
    throw TRANSIENT;
  }
  return 1;
}

class Standard {
  readonly options = OPTIONS;

  @retryable(OPTIONS)
  async ok(): Promise<number> {
    return 1;
  }

  @retryable(OPTIONS)
  async flaky(): Promise<number> {
    if (remaining > 0) {
      remaining--;
      throw TRANSIENT;
    }
    return 1;
  }

  @retryable((self: Standard) => self.options)
  async okPerInstance(): Promise<number> {
    return 1;
  }

  @retryable((self: Standard) => self.options)
  async flakyPerInstance(): Promise<number> {
    if (remaining > 0) {
      remaining--;
      throw TRANSIENT;
    }
    return 1;
  }
}

/** `experimentalDecorators`: applied as TypeScript's `__decorate` helper does. */
class Legacy {
  async ok(): Promise<number> {
    return 1;
  }
  async flaky(): Promise<number> {
    if (remaining > 0) {
      remaining--;
      throw TRANSIENT;
    }
    return 1;
  }
}
for (const name of ['ok', 'flaky'] as const) {
  const descriptor = Object.getOwnPropertyDescriptor(Legacy.prototype, name)!;
  Object.defineProperty(
    Legacy.prototype,
    name,
    retryable(OPTIONS)(Legacy.prototype, name, descriptor),
  );
}

const standard = new Standard();
const legacy = new Legacy();
const configured = createRetry(OPTIONS);

interface Path {
  readonly id: string;
  readonly config: string;
  readonly success: () => Promise<unknown>;
  /** Absent where the path cannot run this workload comparably. */
  readonly failing?: () => Promise<unknown>;
}

const PATHS: readonly Path[] = [
  {
    id: 'retry',
    config: '`retry(fn, opts)`, hoisted `opts = { maxAttempts: 4, backoff: none }` (the baseline)',
    success: () => retry(ok, OPTIONS),
    failing: () => retry(flaky, OPTIONS),
  },
  {
    id: 'retry-defaults',
    config: '`retry(fn)`: library defaults (success only: the default backoff sleeps 1 s)',
    success: () => retry(ok),
  },
  {
    id: 'retry-inline',
    config:
      '`retry(fn, { maxAttempts: 4, backoff: none })`: a new options literal per call, with the same values each time',
    success: () => retry(ok, { maxAttempts: 4, backoff: none }),
    failing: () => retry(flaky, { maxAttempts: 4, backoff: none }),
  },
  {
    id: 'retry-inline-fresh',
    config:
      '`retry(fn, { maxAttempts: 4, backoff: none, onRetry: () => {} })`: a new literal whose `onRetry` arrow is new each call, so it is validated and planned each time',
    success: () => retry(ok, { maxAttempts: 4, backoff: none, onRetry: () => {} }),
    failing: () => retry(flaky, { maxAttempts: 4, backoff: none, onRetry: () => {} }),
  },
  {
    id: 'createRetry',
    config: '`const r = createRetry(opts)` once; `r(fn)`',
    success: () => configured(ok),
    failing: () => configured(flaky),
  },
  {
    id: 'createRetry+options',
    config:
      "`r(fn, callOpts)`, hoisted `callOpts = { operation: 'bench' }` layered over the defaults",
    success: () => configured(ok, CALL_OPTIONS),
    failing: () => configured(flaky, CALL_OPTIONS),
  },
  {
    id: 'retryable',
    config: '`@retryable(opts)` on an async method (TypeScript 5 standard decorators)',
    success: () => standard.ok(),
    failing: () => standard.flaky(),
  },
  {
    id: 'retryable-fn',
    config: '`@retryable((self) => self.options)`: options looked up per call',
    success: () => standard.okPerInstance(),
    failing: () => standard.flakyPerInstance(),
  },
  {
    id: 'retryable-legacy',
    config: '`@retryable(opts)` applied as `experimentalDecorators` does (property descriptor)',
    success: () => legacy.ok(),
    failing: () => legacy.flaky(),
  },
];

const GROUPS = { success: 'first-attempt success', failing: 'three failures, zero delay' } as const;

// Equivalence: every path resolves 1, and the failing workload is retried to success.
for (const path of PATHS) {
  remaining = 0;
  if ((await path.success()) !== 1) throw new Error(`${path.id}: success path did not resolve 1`);
  if (path.failing !== undefined) {
    remaining = 3;
    if ((await path.failing()) !== 1 || remaining !== 0)
      throw new Error(`${path.id}: did not retry 3 times`);
  }
}

const args = parseChildArgs();
const tasks: (MicroTask & { group: keyof typeof GROUPS; path: Path })[] = [];
for (const path of PATHS) {
  tasks.push({ id: `success:${path.id}`, group: 'success', path, once: path.success });
  const failing = path.failing;
  if (failing !== undefined) {
    tasks.push({
      id: `failing:${path.id}`,
      group: 'failing',
      path,
      once: () => {
        remaining = 3;
        return failing();
      },
    });
  }
}
const rotated = rotate(tasks, args.rotate);
const measured = await measure(rotated, microOptions(args.quick));

emitResult({
  scenario: 's6',
  rows: measured.map((m) => {
    const task = tasks.find((t) => t.id === m.id)!;
    return {
      id: task.path.id,
      group: GROUPS[task.group],
      config: task.path.config,
      metrics: { meanNs: m.meanNs, p50Ns: m.p50Ns, p99Ns: m.p99Ns, cpuNs: m.cpuNs, batch: m.batch },
    };
  }),
});
