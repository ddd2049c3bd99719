import { describeValue } from '../core/validate.js';

/**
 * The simulator's fault script: per route (`'POST /api/v3/order'`), the steps its calls meet in
 * order, then `'ok'`. Each venue renders a step in its own shape (binance.ts, okx.ts, bybit.ts).
 */

/** One call's step. `latency:<ms>` delays the normal answer; `reject:<code>` rejects without executing. */
export type VenueFault =
  | 'ok'
  | '503-after-execute'
  | 'reset-after-execute'
  | '-1007-after-execute'
  | '429'
  | '418'
  | `latency:${number}`
  | `reject:${string}`;

/** Steps per route, `METHOD /path` as the venue spells it. */
export type VenueScript = Readonly<Record<string, readonly VenueFault[]>>;

/** A parsed step. */
export type Step =
  | { readonly kind: 'ok' }
  | { readonly kind: 'after-execute'; readonly fault: 'unavailable' | 'reset' | 'timeout' }
  | { readonly kind: 'rate-limit' | 'ban' }
  | { readonly kind: 'latency'; readonly ms: number }
  | { readonly kind: 'reject'; readonly code: string };

const FIXED: Readonly<Record<string, Step>> = {
  ok: { kind: 'ok' },
  '503-after-execute': { kind: 'after-execute', fault: 'unavailable' },
  'reset-after-execute': { kind: 'after-execute', fault: 'reset' },
  '-1007-after-execute': { kind: 'after-execute', fault: 'timeout' },
  '429': { kind: 'rate-limit' },
  '418': { kind: 'ban' },
};

const RULE = `one of ${Object.keys(FIXED)
  .map((k) => JSON.stringify(k))
  .join(', ')}, "latency:<ms>", "reject:<code>"`;

/** Parses one step; a TypeError or RangeError names `where` and the value. */
export function parseStep(where: string, value: unknown): Step {
  if (typeof value !== 'string')
    throw new TypeError(`${where}: expected ${RULE}, got ${describeValue(value)}`);
  const fixed = FIXED[value];
  if (fixed !== undefined) return fixed;
  const latency = /^latency:(\d+(?:\.\d+)?)$/.exec(value);
  if (latency !== null) return { kind: 'latency', ms: Number(latency[1]) };
  const reject = /^reject:(-?[0-9]+)$/.exec(value);
  if (reject !== null) return { kind: 'reject', code: reject[1]! };
  throw new RangeError(`${where}: expected ${RULE}, got ${describeValue(value)}`);
}

/** The live script: each route's remaining steps, consumed one per call. */
export class FaultScript {
  readonly #steps = new Map<string, Step[]>();

  constructor(
    private readonly routes: readonly string[],
    script: unknown,
  ) {
    if (script === undefined) return;
    if (typeof script !== 'object' || script === null || Array.isArray(script))
      throw new TypeError(
        `startVenue: script: expected an object of routes, got ${describeValue(script)}`,
      );
    for (const [route, steps] of Object.entries(script))
      this.set(route, steps, 'startVenue: script');
  }

  /** Replaces a route's remaining steps. */
  set(route: string, steps: unknown, where = 'venue.script'): void {
    if (!this.routes.includes(route))
      throw new RangeError(
        `${where}: route ${JSON.stringify(route)}: expected one of ${this.routes.map((r) => JSON.stringify(r)).join(', ')}`,
      );
    if (!Array.isArray(steps))
      throw new TypeError(
        `${where}[${JSON.stringify(route)}]: expected an array of steps, got ${describeValue(steps)}`,
      );
    this.#steps.set(
      route,
      steps.map((s: unknown, i) => parseStep(`${where}[${JSON.stringify(route)}][${i}]`, s)),
    );
  }

  /** The step this call of `route` meets. */
  next(route: string): Step {
    return this.#steps.get(route)?.shift() ?? FIXED.ok!;
  }
}
