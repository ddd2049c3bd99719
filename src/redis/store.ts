import { createHash } from 'node:crypto';
import { brand } from '../core/brand.js';
import { redactText } from '../core/redaction/redact.js';
import type {
  FleetStore,
  SharedAttemptWindow,
  SharedAdaptiveRate,
  SharedAdaptiveRateView,
  SharedBreaker,
  SharedBreakerView,
  SharedHoldKind,
  SharedRateLimit,
  SharedRateView,
  SharedReservation,
  SharedWindow,
} from '../core/fleet-store.js';
import type { Logger } from '../core/types.js';
import {
  checkOptions,
  loggerRule,
  nonEmptyStringRule,
  numberRule,
  type Rules,
} from '../core/validate.js';
import {
  connectionOf,
  isRedisClient,
  type Connection,
  type RedisClientLike,
  type Subscriber,
} from './client.js';
import { ADAPTIVE_RATE } from './adaptive-rate-script.js';
import { BREAKER, RESERVE, UPDATE, WINDOW, type Script } from './scripts.js';
import { attemptWindow } from './attempt-window.js';

/**
 * Options of {@link redisStore}.
 *
 * @example
 * ```ts
 * const options: RedisStoreOptions = { client, prefix: 'bot', commandTimeoutMs: 50, logger };
 * ```
 */
export interface RedisStoreOptions {
  /** A connected node-redis (v5+) or ioredis (v5+) client. It stays yours: the store never closes it. */
  client: RedisClientLike;
  /** The first part of every key name. Default `'tenacious'`. */
  prefix?: string;
  /**
   * A command not answered within this many ms counts as a store failure: the caller falls back
   * to its local state. Default `50`.
   */
  commandTimeoutMs?: number;
  /**
   * During an outage, the store sends one command (a probe) at most this often; every other call
   * falls back at once without waiting for a timeout. Default `1000`.
   */
  probeIntervalMs?: number;
  /** Receives one `warn` per outage (and a `debug` when the store is back). Default: a process warning. */
  logger?: Logger;
}

/**
 * What {@link RedisStore.stats} reports. `errors` is the counter metrics export as
 * `store_errors_total`.
 *
 * @example
 * ```ts
 * const { errors, outages, available } = store.stats();
 * ```
 */
export interface RedisStoreStats {
  /** Commands that failed or timed out (`store_errors_total`). */
  errors: number;
  /** Outages begun (each logged once). */
  outages: number;
  /** Calls answered locally without a command, during an outage, between probes. */
  skipped: number;
  /** Scripts sent again after NOSCRIPT (a restarted or flushed server). */
  scriptReloads: number;
  /** Commands sent. */
  commands: number;
  /** `false` during an outage. */
  available: boolean;
}

/**
 * A {@link FleetStore} on Redis: pass it as `store` to `binanceWeightTracker`, `retryBudget` and
 * `circuitBreaker`.
 *
 * @example
 * ```ts
 * const store = redisStore({ client });
 * const breaker = circuitBreaker({ store, key: 'binance' });
 * await store.close(); // on shutdown: closes the store's pub/sub connection
 * ```
 */
export interface RedisStore extends FleetStore {
  /** Counters for metrics; `errors` is `store_errors_total`. */
  stats(): RedisStoreStats;
  /** The name of the keys behind one shared object: `prefix:{kind:hash(key)}` (no raw key). */
  keyOf(kind: string, key: string): string;
  /**
   * Resolves once every subscription asked for so far is active (a tracker or breaker hears other
   * processes' cooldowns and state changes from then on). Never rejects.
   */
  ready(): Promise<void>;
  /** Closes the pub/sub connection the store opened (not your client). */
  close(): Promise<void>;
}

/** A fleet's adaptive rate is forgotten after this long without traffic (it is relearned). */
const ADAPTIVE_RATE_TTL_MS = 10 * 60_000;

/** An isolation (the kill switch) holds at most this long unless released or isolated again. */
const ISOLATE_TTL_MS = 7 * 24 * 3_600_000;

const RULES: Rules = {
  client: {
    type: isRedisClient,
    rule: 'a connected node-redis or ioredis client',
  },
  prefix: nonEmptyStringRule,
  commandTimeoutMs: numberRule(0, { above: true }),
  probeIntervalMs: numberRule(0),
  logger: loggerRule,
};

/** Thrown (and caught by callers) when a command is not sent because the store is in an outage. */
class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

class StoreTimeoutError extends Error {
  override readonly name = 'StoreTimeoutError';
}

const UNAVAILABLE = new StoreUnavailableError('redis store unavailable (outage)');

/**
 * The store was closed (`store.close()`) while a caller waited on it: a tracker's pending hold
 * rejects with this at once instead of keeping the process alive.
 *
 * @example
 * ```ts
 * try {
 *   await tracker.acquire(1, { signal });
 * } catch (err) {
 *   if (err instanceof StoreClosedError) return; // shutting down
 * }
 * ```
 */
export class StoreClosedError extends Error {
  static {
    brand(this, 'StoreClosedError');
  }
  override readonly name = 'StoreClosedError';
  /** The store's `prefix`, which names it. */
  readonly store: string;

  constructor(store: string) {
    super(`redis store "${store}" was closed; pending holds ended`);
    this.store = store;
  }
}

/**
 * `pending`, or a {@link StoreTimeoutError} when it has not settled within `ms` of time the process
 * could spend reading its sockets. Timers run before the event loop reads sockets, so after a busy
 * stretch (a service starting up, a long synchronous task) a reply already received, or a command
 * its client had not even written yet, would lose to its timer and fake an outage: a timer that
 * fired more than `ms` late starts over once, and the rejection waits one turn for replies read.
 */
function withTimeout(pending: Promise<unknown>, ms: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout;
    const arm = (restarts: number) => {
      const due = performance.now() + ms;
      timer = setTimeout(() => {
        if (restarts > 0 && performance.now() - due > ms) return arm(restarts - 1);
        const error = new StoreTimeoutError(`redis command timed out after ${ms} ms`);
        setImmediate(() => reject(error)).unref();
      }, ms);
      timer.unref();
    };
    arm(1);
    pending.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/** Binance-style interval names (`10s`, `1m`, `1d`) to ms. */
const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

export function intervalToMs(interval: string): number | undefined {
  const match = /^(\d+)([smhd])$/i.exec(interval);
  return match === null ? undefined : Number(match[1]) * UNIT_MS[match[2]!.toLowerCase()]!;
}

function isNoScript(err: unknown): boolean {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message.startsWith('NOSCRIPT');
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

/** A script's hold kind (1: ban); a reply from before kinds were kept has none: a cooldown. */
function holdKind(value: unknown): SharedHoldKind {
  return num(value) === 1 ? 'ban' : 'cooldown';
}

/**
 * A cooldown message, `<ms>` or `<ms> ban`: the bare number is what stores before kinds
 * published (its kind is unknown), and what a cooldown still publishes.
 */
function parseCooldownMessage(message: string): { ms: number; hold: SharedHoldKind | undefined } {
  const [ms, kind] = message.split(' ');
  return {
    ms: num(ms),
    hold: kind === 'ban' ? 'ban' : kind === 'cooldown' ? 'cooldown' : undefined,
  };
}

class Store implements RedisStore {
  private readonly connection: Connection;
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly probeMs: number;
  private readonly logger: Logger | undefined;
  private down = false;
  private probeAt = 0;
  private readonly counters = { errors: 0, outages: 0, skipped: 0, scriptReloads: 0, commands: 0 };
  private subscriber: Promise<Subscriber> | undefined;
  private readonly channels = new Map<string, Set<(message: string) => void>>();
  /** Per channel: reads the state its messages describe, as a message (see {@link watch}). */
  private readonly readers = new Map<string, () => Promise<string | undefined>>();
  private readonly subscribing = new Set<Promise<unknown>>();
  private closed = false;
  /** Set while the user's client is closed: no pub/sub connection is opened from it. */
  private clientEnded = false;
  private readonly stopFollowingClient: () => void;
  private readonly closing = new AbortController();

  constructor(options: RedisStoreOptions) {
    this.connection = connectionOf(options.client);
    this.prefix = options.prefix ?? 'tenacious';
    this.timeoutMs = options.commandTimeoutMs ?? 50;
    this.probeMs = options.probeIntervalMs ?? 1000;
    this.logger = options.logger;
    // A quit client must let the process exit: the store's own pub/sub connection goes with it.
    this.stopFollowingClient = this.connection.onEnd(() => this.clientEnd());
  }

  stats(): RedisStoreStats {
    return { ...this.counters, available: !this.down };
  }

  keyOf(kind: string, key: string): string {
    // Hashed: a key may be an API key, and key names show up in MONITOR, SLOWLOG and backups.
    const hash = createHash('sha256').update(key).digest('hex').slice(0, 20);
    // The braces are a hash tag: every key of one object lands in one Redis Cluster slot.
    return `${this.prefix}:{${kind}:${hash}}`;
  }

  async ready(): Promise<void> {
    await Promise.all(this.subscribing);
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.stopFollowingClient();
      this.channels.clear();
      this.readers.clear();
      this.closing.abort(new StoreClosedError(this.prefix));
    }
    await this.closeSubscriber();
  }

  private async closeSubscriber(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber !== undefined)
      await subscriber.then(
        (s) => s.close(),
        () => {},
      );
  }

  /** The user's client was closed: close the pub/sub connection, keep the subscriptions asked for. */
  private clientEnd(): void {
    this.clientEnded = true;
    void this.closeSubscriber();
  }

  sharedWindow(
    kind: string,
    key: string,
    spec: { windowMs: number; buckets: number; fields: number },
  ): SharedWindow {
    const keys = [`${this.keyOf(kind, key)}:window`];
    const head = [String(spec.windowMs), String(spec.buckets), String(spec.fields)];
    return {
      add: async (deltas) => {
        const reply = (await this.run(WINDOW, keys, [...head, ...deltas.map(String)])) as unknown[];
        return reply.map(num);
      },
      clear: async () => {
        await this.run(WINDOW, keys, ['clear']);
      },
    };
  }

  sharedBreaker(
    key: string,
    spec: { failureThreshold: number; resetAfterMs: number },
  ): SharedBreaker {
    const base = this.keyOf('breaker', key);
    const keys = [`${base}:state`];
    const channel = `${base}:events`;
    const tail = [
      String(spec.failureThreshold),
      String(Math.ceil(spec.resetAfterMs)),
      channel,
      String(ISOLATE_TTL_MS),
    ];
    const view = (reply: unknown[]): SharedBreakerView => ({
      generation: num(reply[0]),
      open: num(reply[1]) === 1 && num(reply[2]) > 0,
      openForMs: num(reply[2]),
      isolated: num(reply[3]) === 1,
      failures: num(reply[4]),
    });
    return {
      send: async (op) => {
        const count = op.op === 'failure' ? String(op.count) : '0';
        return view((await this.run(BREAKER, keys, [op.op, count, ...tail])) as unknown[]);
      },
      watch: (listener) =>
        this.watch(
          channel,
          (message) => listener(view(message.split(' '))),
          async () =>
            ((await this.run(BREAKER, keys, ['read', '0', ...tail])) as unknown[]).join(' '),
        ),
    };
  }

  sharedRateLimit(
    key: string,
    spec: {
      windowMs: number;
      pauseWeight: number;
      orderLimits: Readonly<Record<string, { windowMs: number; limit: number }>>;
    },
  ): SharedRateLimit {
    const base = this.keyOf('rate', key);
    const weightKey = `${base}:weight`;
    const cooldownKey = `${base}:cooldown`;
    // The end of the latest ban, beside the cooldown's end (which older processes read as is).
    const banKey = `${base}:ban`;
    const channel = `${base}:events`;
    const orderKey = (interval: string) => `${base}:orders:${interval.toLowerCase()}`;
    const limits = Object.entries(spec.orderLimits);
    const holdKeys = [weightKey, cooldownKey, banKey];
    const reserveKeys = [...holdKeys, ...limits.map(([interval]) => orderKey(interval))];
    const reserveTail = limits.flatMap(([, l]) => [String(l.windowMs), String(l.limit)]);
    const outcomes = ['reserved', 'cooldown', 'weight', 'orders'] as const;
    return {
      reserve: async (weight, orders) => {
        const reply = (await this.run(RESERVE, orders > 0 ? reserveKeys : holdKeys, [
          String(weight),
          String(spec.windowMs),
          String(spec.pauseWeight),
          String(orders),
          ...(orders > 0 ? reserveTail : []),
        ])) as unknown[];
        const outcome = outcomes[num(reply[0])] ?? 'weight';
        const reservation: SharedReservation = {
          outcome,
          waitMs: num(reply[1]),
          used: num(reply[2]),
        };
        if (outcome === 'cooldown') reservation.hold = holdKind(reply[3]);
        return reservation;
      },
      update: async (report) => {
        const keys = [...holdKeys];
        const tail: string[] = [];
        for (const [interval, count] of Object.entries(report.orderCounts ?? {})) {
          const ms = intervalToMs(interval);
          if (ms === undefined) continue;
          keys.push(orderKey(interval));
          tail.push(String(ms), String(count));
        }
        const reply = (await this.run(UPDATE, keys, [
          String(spec.windowMs),
          String(report.usedWeight ?? -1),
          String(report.cooldownMs === undefined ? -1 : Math.ceil(report.cooldownMs)),
          String(report.alignMs ?? 0),
          channel,
          report.hold ?? 'cooldown',
          ...tail,
        ])) as unknown[];
        const cooldownMs = num(reply[1]);
        const view: SharedRateView = { used: num(reply[0]), cooldownMs };
        if (cooldownMs > 0) view.hold = holdKind(reply[2]);
        return view;
      },
      watchCooldown: (listener) =>
        this.watch(
          channel,
          (message) => {
            const { ms, hold } = parseCooldownMessage(message);
            listener(ms, hold);
          },
          async () => {
            // An update that reports nothing only reads the cooldown.
            const reply = (await this.run(UPDATE, holdKeys, [
              String(spec.windowMs),
              '-1',
              '-1',
              '0',
              channel,
              'cooldown',
            ])) as unknown[];
            const remaining = num(reply[1]);
            if (!(remaining > 0)) return undefined;
            return holdKind(reply[2]) === 'ban' ? `${remaining} ban` : String(remaining);
          },
        ),
      closed: this.closing.signal,
    };
  }

  sharedAttemptWindow(key: string, spec: { limit: number; windowMs: number }): SharedAttemptWindow {
    return attemptWindow(this.keyOf('connect', key), spec, (s, k, a) => this.run(s, k, a));
  }

  sharedAdaptiveRate(
    key: string,
    spec: { beta: number; scale: number; minRate: number },
  ): SharedAdaptiveRate {
    const keys = [`${this.keyOf('adaptive', key)}:rate`];
    const head = [String(spec.beta), String(spec.scale), String(spec.minRate)];
    const ttl = String(ADAPTIVE_RATE_TTL_MS);
    const view = (reply: unknown[]): SharedAdaptiveRateView => ({
      waitMs: num(reply[0]),
      enabled: num(reply[1]) === 1,
      rate: num(reply[2]),
      measuredRate: num(reply[3]),
    });
    return {
      acquire: async () =>
        view(
          (await this.run(ADAPTIVE_RATE, keys, ['acquire', ...head, '0', '0', ttl])) as unknown[],
        ),
      record: async (successes, throttles) =>
        view(
          (await this.run(ADAPTIVE_RATE, keys, [
            'record',
            ...head,
            String(successes),
            String(throttles),
            ttl,
          ])) as unknown[],
        ),
    };
  }

  /** Runs a script with EVALSHA (EVAL after NOSCRIPT), within the command timeout. */
  private async run(script: Script, keys: string[], args: string[]): Promise<unknown> {
    if (this.down && performance.now() < this.probeAt) {
      this.counters.skipped++;
      throw UNAVAILABLE;
    }
    // During an outage this command is the probe: the next one waits for the next interval.
    if (this.down) this.probeAt = performance.now() + this.probeMs;
    const tail = [String(keys.length), ...keys, ...args];
    try {
      let reply: unknown;
      try {
        reply = await this.send(['EVALSHA', script.sha, ...tail]);
      } catch (err) {
        if (!isNoScript(err)) throw err;
        // The server lost its script cache (a restart, SCRIPT FLUSH): EVAL loads it again.
        this.counters.scriptReloads++;
        reply = await this.send(['EVAL', script.source, ...tail]);
      }
      this.rejoined();
      return reply;
    } catch (err) {
      this.failed(err);
      throw err;
    }
  }

  private send(args: string[]): Promise<unknown> {
    this.counters.commands++;
    let pending: Promise<unknown>;
    try {
      pending = this.connection.command(args);
    } catch (err) {
      return Promise.reject(err);
    }
    return withTimeout(pending, this.timeoutMs);
  }

  private failed(err: unknown): void {
    this.counters.errors++;
    this.probeAt = performance.now() + this.probeMs;
    if (this.down) return;
    this.down = true;
    this.counters.outages++;
    const message = redactText(String((err as { message?: unknown } | null)?.message ?? err));
    const text = 'tenacious: redis store unreachable, falling back to local state';
    try {
      if (this.logger !== undefined) {
        this.logger.warn({ store: this.prefix, err: message }, text);
      } else {
        process.emitWarning(`${text}: ${message}`, 'TenaciousWarning');
      }
    } catch {
      // A broken logger never turns a store outage into a caller failure.
    }
  }

  private rejoined(): void {
    if (this.clientEnded) {
      // The user's client answers again (ioredis `connect()` after `quit()`).
      this.clientEnded = false;
      this.resubscribe();
    }
    if (!this.down) return;
    this.down = false;
    this.resubscribe();
    try {
      this.logger?.debug({ store: this.prefix }, 'tenacious: redis store is back');
    } catch {
      // As above.
    }
  }

  /** A subscriber that could not connect (an outage, a closed client) is opened again. */
  private resubscribe(): void {
    if (this.subscriber !== undefined || this.closed) return;
    for (const channel of this.channels.keys()) this.subscribe(channel);
  }

  /**
   * Subscribes `listener` to `channel` on the store's pub/sub connection (opened on first use).
   * A message published before the subscription is active is never delivered, so once it is
   * active `read` fetches the state the messages describe and the listeners get it as a message:
   * a change made between `watch()` and the subscription is heard however long connecting took.
   */
  private watch(
    channel: string,
    listener: (message: string) => void,
    read: () => Promise<string | undefined>,
  ): () => void {
    let listeners = this.channels.get(channel);
    if (listeners === undefined) {
      listeners = new Set();
      this.channels.set(channel, listeners);
      this.readers.set(channel, read);
      this.subscribe(channel);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size > 0 || this.channels.get(channel) !== listeners) return;
      this.channels.delete(channel);
      this.readers.delete(channel);
      void this.subscriber?.then((s) => s.unsubscribe(channel)).catch(() => {});
    };
  }

  private subscribe(channel: string): void {
    const subscribing: Promise<unknown> = this.subscriberOf()
      .then((s) => s.subscribe(channel))
      .then(() => this.readers.get(channel)?.())
      .then((message) => {
        if (message !== undefined) this.dispatch(channel, message);
      })
      .catch(() => {})
      .finally(() => this.subscribing.delete(subscribing));
    this.subscribing.add(subscribing);
  }

  private dispatch(channel: string, message: string): void {
    for (const listener of this.channels.get(channel) ?? []) {
      try {
        listener(message);
      } catch {
        // One broken listener does not stop the others.
      }
    }
  }

  private subscriberOf(): Promise<Subscriber> {
    if (this.closed || this.clientEnded) return Promise.reject(UNAVAILABLE);
    this.subscriber ??= this.connection
      .subscriber((channel, message) => this.dispatch(channel, message))
      .catch((err: unknown) => {
        // Try again with the next subscription.
        this.subscriber = undefined;
        throw err;
      });
    return this.subscriber;
  }
}

/**
 * Creates a store shared by a fleet of processes on Redis, for `binanceWeightTracker`,
 * `retryBudget` and `circuitBreaker` (`store` option). Bring a connected node-redis (v5+) or
 * ioredis (v5+) client; neither is a dependency of tenacious.
 *
 * Every operation is one atomic Lua script (EVALSHA; EVAL again after NOSCRIPT) that reads the
 * server's `TIME`, so every window follows Redis's clock. Key names are `prefix:{kind:hash}:…`:
 * the user's key is hashed (it may be an API key) and the hash tag keeps one object's keys in one
 * Cluster slot; every key expires on its own. A command slower than `commandTimeoutMs` or a
 * server that is down makes the caller fall back to its local state; the store logs once per
 * outage, counts the failures (`stats().errors`), probes every `probeIntervalMs` and rejoins
 * by itself. Nothing here ever throws into the caller.
 *
 * Bad options throw at once (`TypeError`/`RangeError` naming the option and the value).
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { circuitBreaker, retryBudget } from 'tenacious';
 * import { binanceWeightTracker } from 'tenacious/binance';
 * import { redisStore } from 'tenacious/redis';
 *
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * const store = redisStore({ client, logger });
 * const tracker = binanceWeightTracker({ limit: 6000, store, key: 'ip-1' });
 * const budget = retryBudget({ store, key: 'binance' });
 * const breaker = circuitBreaker({ store, key: 'binance' });
 * ```
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  const o = checkOptions('redisStore', options, RULES);
  if (o.client === undefined) {
    throw new TypeError(
      'redisStore: client: expected a connected node-redis or ioredis client, got undefined',
    );
  }
  return new Store(o);
}
