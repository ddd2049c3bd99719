import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  RetryExhaustedError,
  UnknownOutcomeError,
  constant,
  onRetry,
  type RetryEvent,
} from '../../src/index.js';
import { instantClock, useInstantRetries, type InstantClock } from '../../src/testing/index.js';
import { compileFixtures, importFixture, type DecoratorMode } from './compile.js';

type PriceFeedModule = typeof import('./fixtures/classes/price-feed.js');
type InheritanceModule = typeof import('./fixtures/classes/inheritance.js');
type NestjsStyleModule = typeof import('./fixtures/classes/nestjs-style.js');
type DefinitionErrorsModule = typeof import('./fixtures/classes/definition-errors.js');
type ConfiguredServiceModule = typeof import('./fixtures/classes/configured-service.js');
type MetadataModule = typeof import('./fixtures/classes/metadata.js');
type OptionsInferenceModule = typeof import('./fixtures/classes/options-inference.js');
type AnnotatedOptionsModule = typeof import('./fixtures/classes/annotated-options.js');

/**
 * The whole `@retryable` specification, run against the fixtures compiled under one decorator
 * system; retryable.test.ts calls it once per mode.
 */
export function describeRetryable(mode: DecoratorMode): void {
  describe(`@retryable under ${mode} decorators`, () => {
    specification(mode);
  });
}

function specification(mode: DecoratorMode): void {
  let feeds: PriceFeedModule;
  let inheritance: InheritanceModule;
  let nest: NestjsStyleModule;
  let definitions: DefinitionErrorsModule;
  let configured: ConfiguredServiceModule;
  let metadata: MetadataModule;
  let inference: OptionsInferenceModule;
  let annotated: AnnotatedOptionsModule;

  let outDir: string;
  beforeAll(async () => {
    outDir = compileFixtures(mode);
    [feeds, inheritance, nest, definitions, configured, metadata, inference, annotated] =
      await Promise.all([
        importFixture<PriceFeedModule>(outDir, 'price-feed'),
        importFixture<InheritanceModule>(outDir, 'inheritance'),
        importFixture<NestjsStyleModule>(outDir, 'nestjs-style'),
        importFixture<DefinitionErrorsModule>(outDir, 'definition-errors'),
        importFixture<ConfiguredServiceModule>(outDir, 'configured-service'),
        importFixture<MetadataModule>(outDir, 'metadata'),
        importFixture<OptionsInferenceModule>(outDir, 'options-inference'),
        importFixture<AnnotatedOptionsModule>(outDir, 'annotated-options'),
      ]);
  });

  // Every decorated method in this suite runs on the instant clock, without being given one.
  let clock: InstantClock;
  let restore: () => void;
  let retries: RetryEvent[];
  let unsubscribe: () => void;
  beforeEach(() => {
    clock = instantClock(0);
    restore = useInstantRetries(clock);
    retries = [];
    unsubscribe = onRetry((event) => {
      retries.push(event);
    });
  });
  afterEach(() => {
    unsubscribe();
    restore();
  });

  const operations = () => [...new Set(retries.map((event) => event.operation))];

  describe('calls', () => {
    it('retries a failing method and resolves with its value', async () => {
      const feed = new feeds.PriceFeed(2);
      await expect(feed.price('BTCUSDT', 2)).resolves.toBe(200);
      expect(feed.sent).toHaveLength(3);
      expect(clock.sleeps).toEqual([100, 100]);
    });

    it('runs the method body again on every attempt: nonce, timestamp and signature are fresh', async () => {
      const feed = new feeds.PriceFeed(2, () => clock.now());
      await feed.price('BTCUSDT');
      expect(feed.sent.map((request) => request.nonce)).toEqual([1, 2, 3]);
      expect(feed.sent.map((request) => request.timestamp)).toEqual([0, 100, 200]);
      expect(new Set(feed.sent.map((request) => request.signature)).size).toBe(3);
    });

    it('keeps `this` on every attempt', async () => {
      const feed = new feeds.PriceFeed(2);
      await feed.price('BTCUSDT');
      expect(feed.receivers).toHaveLength(3);
      expect(feed.receivers.every((receiver) => receiver === feed)).toBe(true);
    });

    it("passes the call's arguments to every attempt", async () => {
      const feed = new feeds.PriceFeed(1);
      await expect(feed.price('ETHUSDT', 3)).resolves.toBe(300);
      expect(feed.sent.map((request) => request.path)).toEqual([
        '/ticker?symbol=ETHUSDT',
        '/ticker?symbol=ETHUSDT',
      ]);
    });

    it('names the operation ClassName.methodName', async () => {
      await new feeds.PriceFeed(2).price('BTCUSDT');
      expect(operations()).toEqual(['PriceFeed.price']);
    });

    it('rejects with RetryExhaustedError naming ClassName.methodName when attempts run out', async () => {
      const error = await new feeds.PriceFeed(10).price('BTCUSDT').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RetryExhaustedError);
      expect(error).toMatchObject({
        operation: 'PriceFeed.price',
        attempts: 4,
        reason: 'attempts',
      });
      expect((error as RetryExhaustedError).cause).toEqual(new Error('ECONNRESET'));
    });

    it('uses an explicit `operation` instead of the method name', async () => {
      const error = await new feeds.PriceFeed(0).ticker('BTCUSDT').catch((e: unknown) => e);
      expect(error).toMatchObject({
        name: 'RetryExhaustedError',
        operation: 'get_ticker',
        attempts: 2,
      });
      expect(operations()).toEqual(['get_ticker']);
    });

    it('makes every call a fresh run with its own attempts', async () => {
      const feed = new feeds.PriceFeed(6);
      await expect(feed.price('BTCUSDT')).rejects.toMatchObject({ attempts: 4 });
      await expect(feed.price('BTCUSDT')).resolves.toBe(100);
      expect(retries.map((event) => event.attempt)).toEqual([1, 2, 3, 1, 2]);
      expect(feed.sent).toHaveLength(7);
    });

    it('runs concurrent calls as independent runs', async () => {
      const feed = new feeds.PriceFeed(2);
      await expect(Promise.all([feed.price('BTCUSDT'), feed.price('ETHUSDT', 2)])).resolves.toEqual(
        [100, 200],
      );
      expect(retries.map((event) => event.attempt)).toEqual([1, 1]);
      expect(feed.sent.map((request) => request.nonce)).toEqual([1, 2, 3, 4]);
    });

    it('gives the decorated method a readable name', () => {
      const feed = new feeds.PriceFeed(0);
      expect(feed.price.name).toBe('price');
      expect(feeds.PriceFeed.ping.name).toBe('ping');
      expect(feed[feeds.snapshotKey].name).toBe('[snapshot]');
    });

    it('names a symbol-keyed method after the symbol description', async () => {
      const feed = new feeds.PriceFeed(0);
      await expect(feed[feeds.snapshotKey]()).rejects.toMatchObject({
        operation: 'PriceFeed.[snapshot]',
        attempts: 3,
      });
    });

    it('names the operation after the declaring class again after a call with another receiver', async () => {
      const detached = Object.getOwnPropertyDescriptor(feeds.PriceFeed.prototype, 'health')!
        .value as () => Promise<string>;
      await expect(detached()).rejects.toMatchObject({
        // experimentalDecorators hand over the class at definition; standard ones only on calls.
        operation: mode === 'standard' ? 'anonymous.health' : 'PriceFeed.health',
      });
      await expect(new feeds.PriceFeed(0).health()).rejects.toMatchObject({
        operation: 'PriceFeed.health',
      });
    });

    it('keeps a generic method generic', async () => {
      const order = { id: 'a1' };
      await expect(new feeds.PriceFeed(1).echo(order)).resolves.toBe(order);
    });

    it('waits the default backoff on the clock installed by useInstantRetries(), not in real time', async () => {
      const feed = new feeds.PriceFeed(3);
      await expect(feed.withDefaults()).resolves.toBe('ok');
      // 1 s doubling with ±20 % jitter
      expect(clock.sleeps).toHaveLength(3);
      clock.sleeps.forEach((ms, i) => {
        expect(ms).toBeGreaterThanOrEqual(0.8 * 1000 * 2 ** i);
        expect(ms).toBeLessThanOrEqual(1.2 * 1000 * 2 ** i);
      });
    });

    it('turns a synchronous method into one returning a promise', async () => {
      const counter = new feeds.SyncMethods();
      const result: unknown = counter.count();
      expect(result).toBeInstanceOf(Promise);
      await expect(result).resolves.toBe(2);
      expect(counter.calls).toBe(2);
      expect(clock.sleeps).toEqual([1]);
    });
  });

  describe('static methods and inheritance', () => {
    it('retries a static method with `this` bound to the class', async () => {
      feeds.PriceFeed.pings = 0;
      await expect(feeds.PriceFeed.ping()).resolves.toBe('pong from PriceFeed');
      expect(operations()).toEqual(['PriceFeed.ping']);
      expect(clock.sleeps).toEqual([5, 5]);
    });

    it('names a static method inherited by a subclass after the declaring class', async () => {
      feeds.PriceFeed.pings = 0;
      await expect(feeds.SpotPriceFeed.ping()).resolves.toBe('pong from SpotPriceFeed');
      expect(operations()).toEqual(['PriceFeed.ping']);
    });

    it('retries a method inherited by a subclass, named after the declaring class', async () => {
      const adapter = new inheritance.InheritingAdapter(1);
      await expect(adapter.fetchBalance('BTC')).resolves.toBe('BTC=100');
      expect(adapter.calls).toEqual([
        'InheritingAdapter.fetchBalance(BTC)',
        'InheritingAdapter.fetchBalance(BTC)',
      ]);
      expect(operations()).toEqual(['BaseAdapter.fetchBalance']);
    });

    it('retries a decorated method called through `super` from an override', async () => {
      const adapter = new inheritance.OverridingAdapter(2);
      await expect(adapter.fetchBalance('ETH')).resolves.toBe('override(ETH=100)');
      expect(adapter.calls).toHaveLength(3);
      expect(operations()).toEqual(['BaseAdapter.fetchBalance']);
    });

    it('nests the retries of a decorated override around those of the decorated base method', async () => {
      const adapter = new inheritance.DecoratedOverrideAdapter(Infinity);
      const error = await adapter.fetchBalance('BTC').catch((e: unknown) => e);
      expect(error).toMatchObject({
        operation: 'DecoratedOverrideAdapter.fetchBalance',
        attempts: 2,
      });
      expect((error as RetryExhaustedError).cause).toMatchObject({
        operation: 'BaseAdapter.fetchBalance',
        attempts: 3,
      });
      // 2 outer attempts × 3 inner attempts: decorate one level only.
      expect(adapter.calls).toHaveLength(6);
    });

    it('names an inherited static method after the declaring class when it gives up', async () => {
      const error = await inheritance.InheritingAdapter.status().catch((e: unknown) => e);
      expect(error).toMatchObject({ operation: 'BaseAdapter.status', attempts: 2 });
      expect((error as RetryExhaustedError).cause).toEqual(
        new Error('InheritingAdapter status down'),
      );
    });
  });

  // experimentalDecorators cannot decorate #private methods (a compile error).
  if (mode === 'standard') {
    describe('#private methods', () => {
      type PrivateMethodsModule = typeof import('./fixtures/classes/private-methods.standard.js');
      let vaults: PrivateMethodsModule;
      beforeAll(async () => {
        vaults = await importFixture<PrivateMethodsModule>(outDir, 'private-methods.standard');
      });

      it('retries a #private method, named after the class of the instance', async () => {
        const vault = new vaults.Vault(2);
        await expect(vault.load()).resolves.toBe('loaded');
        expect(operations()).toEqual(['Vault.#load']);
      });

      it('names a #private method inherited by a subclass after the subclass', async () => {
        await expect(new vaults.SubVault(1).load()).resolves.toBe('loaded');
        expect(operations()).toEqual(['SubVault.#load']);
      });

      it('retries a static #private method, named after its class', async () => {
        await expect(vaults.Vault.ping()).rejects.toMatchObject({
          operation: 'Vault.#ping',
          attempts: 2,
        });
      });
    });
  }

  describe('options from the instance and the call', () => {
    const failing = (count: number) =>
      new nest.FakeExchangeClient(Array.from({ length: count }, () => new Error('ECONNRESET')));
    const config = (retry: object) => ({ retry, orders: { backoff: constant(50) } });

    it('reads per-instance options from the injected config', async () => {
      const two = new nest.ExchangeAdapter(
        config({ maxAttempts: 2, backoff: constant(10) }),
        failing(10),
      );
      const five = new nest.ExchangeAdapter(
        config({ maxAttempts: 5, backoff: constant(10) }),
        failing(10),
      );
      await expect(two.getPosition('BTCUSDT')).rejects.toMatchObject({ attempts: 2 });
      await expect(five.getPosition('BTCUSDT')).rejects.toMatchObject({ attempts: 5 });
    });

    it('calls the options function once per call, with the instance and the arguments', async () => {
      const adapter = new nest.ExchangeAdapter(config({ backoff: constant(10) }), failing(2));
      await expect(adapter.getPosition('BTCUSDT')).resolves.toEqual({
        symbol: 'BTCUSDT',
        size: '0.5',
      });
      expect(adapter.optionCalls).toHaveLength(1);
      expect(adapter.optionCalls[0]!.self).toBe(adapter);
      expect(adapter.optionCalls[0]!.args).toEqual(['BTCUSDT']);
    });

    it('sees a changed config on the next call', async () => {
      const adapter = new nest.ExchangeAdapter(
        config({ maxAttempts: 2, backoff: constant(10) }),
        failing(10),
      );
      await expect(adapter.getPosition('BTCUSDT')).rejects.toMatchObject({ attempts: 2 });
      adapter.config = config({ maxAttempts: 3, backoff: constant(10) });
      await expect(adapter.getPosition('BTCUSDT')).rejects.toMatchObject({ attempts: 3 });
    });

    it('resends an order that carries a client order id after an unknown outcome', async () => {
      const client = new nest.FakeExchangeClient([new nest.RequestTimeoutError('timed out')]);
      const adapter = new nest.ExchangeAdapter(config({}), client);
      const order = {
        symbol: 'BTCUSDT',
        side: 'BUY',
        quantity: '0.01',
        clientOrderId: 'c-1',
      } as const;
      await expect(adapter.placeOrder(order)).resolves.toEqual({
        orderId: 2,
        clientOrderId: 'c-1',
      });
      expect(client.requests).toHaveLength(2);
      expect(retries.map((event) => event.verdict.reason)).toEqual([
        'unknown-on:RequestTimeoutError',
      ]);
    });

    it('does not resend an order without a client order id after an unknown outcome', async () => {
      const client = new nest.FakeExchangeClient([new nest.RequestTimeoutError('timed out')]);
      const adapter = new nest.ExchangeAdapter(config({}), client);
      const error = await adapter
        .placeOrder({ symbol: 'BTCUSDT', side: 'BUY', quantity: '0.01' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnknownOutcomeError);
      expect(error).toMatchObject({ operation: 'ExchangeAdapter.placeOrder', attempt: 1 });
      expect(client.requests).toHaveLength(1);
    });

    it('rejects a call whose options function returns invalid options, without running the body', async () => {
      const client = failing(0);
      const adapter = new nest.ExchangeAdapter(config({}), client);
      const call = adapter.misconfigured();
      await expect(call).rejects.toThrow(
        new RangeError('maxAttempts: expected an integer >= 1 or Infinity, got -1'),
      );
      expect(client.requests).toEqual([]);
    });

    it('rejects, rather than throws, when the options function throws', async () => {
      const adapter = new nest.ExchangeAdapter(config({}), failing(0));
      (adapter as { config: unknown }).config = undefined;
      const call = adapter.getPosition('BTCUSDT');
      expect(call).toBeInstanceOf(Promise);
      await expect(call).rejects.toThrow(TypeError);
    });
  });

  describe('options functions typed from the decorated method', () => {
    // The types themselves are checked when the fixture compiles (options-inference.ts has a
    // `@ts-expect-error` for a misspelt property of `self`); these check what the function gets.
    it('passes the instance and the typed arguments', async () => {
      const desk = new inference.OrderDesk({ retry: { maxAttempts: 2 }, venue: 'binance' });
      await expect(desk.placeOrder('BTCUSDT', 3)).resolves.toBe('BTCUSDT x3');
      expect(desk.seen).toEqual(['binance BTCUSDT 3']);
    });

    it("passes the class to a static method's options function", async () => {
      await expect(inference.OrderDesk.status('binance')).resolves.toBe('binance: up');
    });

    it('passes the instance through a configured retry', async () => {
      const desk = new inference.ConfiguredDesk('desk');
      await expect(desk.cancel(7n)).resolves.toBe('cancelled 7');
    });
  });

  describe('options functions with parameters annotated by the user', () => {
    // annotated-options.ts compiles only if `(self: Adapter, args: unknown[])` and
    // `[symbol]: [string]` are accepted, and `[symbol]: [number]` on a string parameter is not.
    it('passes the instance and the arguments to an `args: unknown[]` function', async () => {
      const adapter = new annotated.Adapter();
      await expect(adapter.alwaysFails(3)).rejects.toThrow('failed 3');
      expect(adapter.calls).toEqual(['alwaysFails 1']);
    });

    it('passes the destructured arguments to a `[symbol]: [string]` function', async () => {
      const adapter = new annotated.Adapter();
      await expect(adapter.ticker('ETHUSDT')).resolves.toBe('ETHUSDT');
      await expect(adapter.order('BTCUSDT', 2)).resolves.toBe('BTCUSDT x2');
      expect(adapter.calls).toEqual(['ticker ETHUSDT', 'order BTCUSDT 2']);
    });

    it("passes the class to a static method's annotated options function", async () => {
      await expect(annotated.Adapter.status('okx')).resolves.toBe('okx: up');
    });
  });

  describe('createRetry(...).retryable', () => {
    beforeEach(() => {
      configured.hookLog.length = 0;
    });

    it('layers method options over the configured defaults and runs the hooks of both', async () => {
      const service = new configured.QuoteService(2);
      await expect(service.quote('BTCUSDT')).resolves.toBe('BTCUSDT: 101.5');
      expect(configured.hookLog).toEqual([
        'defaults QuoteService.quote #1',
        'method QuoteService.quote #1',
        'defaults QuoteService.quote #2',
        'method QuoteService.quote #2',
      ]);
      expect(clock.sleeps).toEqual([20, 20]);
    });

    it('keeps the configured defaults for a per-instance options function', async () => {
      const service = new configured.QuoteService(Infinity, 2);
      await expect(service.depth('BTCUSDT')).rejects.toMatchObject({
        operation: 'QuoteService.depth',
        attempts: 2,
      });
      expect(clock.sleeps).toEqual([20]);
      expect(configured.hookLog).toEqual(['defaults QuoteService.depth #1']);
    });
  });

  describe('errors at class definition', () => {
    it('throws a TypeError naming a decorated field', () => {
      expect(() => definitions.decorateField()).toThrow(
        new TypeError('@retryable: can only decorate methods, got a field "handler"'),
      );
    });

    it('throws a TypeError naming a decorated getter', () => {
      expect(() => definitions.decorateGetter()).toThrow(
        new TypeError('@retryable: can only decorate methods, got a getter "price"'),
      );
    });

    it('throws a TypeError naming a decorated setter', () => {
      expect(() => definitions.decorateSetter()).toThrow(
        new TypeError('@retryable: can only decorate methods, got a setter "price"'),
      );
    });

    it('throws a TypeError naming a decorated auto-accessor', () => {
      expect(() => definitions.decorateAutoAccessor()).toThrow(
        new TypeError('@retryable: can only decorate methods, got an accessor "price"'),
      );
    });

    it('throws a TypeError naming a decorated class', () => {
      expect(() => definitions.decorateClass()).toThrow(
        new TypeError('@retryable: can only decorate methods, got a class "Whole"'),
      );
    });

    it('throws a TypeError when the decorator is used without parentheses', () => {
      expect(() => definitions.decorateWithoutParentheses()).toThrow(
        new TypeError(
          '@retryable: call it: write @retryable() or @retryable(options), not @retryable',
        ),
      );
    });

    it('throws a RangeError naming an invalid option when the class is defined', () => {
      expect(() => definitions.decorateWithInvalidMaxAttempts()).toThrow(
        new RangeError('maxAttempts: expected an integer >= 1 or Infinity, got 0'),
      );
    });

    it('throws a TypeError naming a misspelt option when the class is defined', () => {
      expect(() => definitions.decorateWithUnknownOption()).toThrow(/^unknown option "maxAtempts"/);
    });
  });

  describe("other decorators' metadata", () => {
    let uninstall: () => void;
    beforeAll(() => {
      uninstall = installReflectMetadata();
    });
    afterAll(() => uninstall());

    it('carries reflect-metadata set on the original method over to the wrapper', async () => {
      const Jobs = metadata.defineScheduledJobs();
      const reflect = Reflect as unknown as ReflectMetadata;
      const { settle, refresh } = Object.getOwnPropertyDescriptors(Jobs.prototype);
      expect(reflect.getOwnMetadata('cron', settle?.value)).toBe('0 * * * *');
      expect(reflect.getOwnMetadata('cron', refresh?.value)).toBe('*/5 * * * *');
      await expect(new Jobs().settle()).resolves.toBe('settled');
    });
  });
}

interface ReflectMetadata {
  defineMetadata(key: unknown, value: unknown, target: object): void;
  getOwnMetadata(key: unknown, target: unknown): unknown;
  getOwnMetadataKeys(target: object): unknown[];
}

/** The three reflect-metadata functions NestJS relies on, on a WeakMap; returns an uninstaller. */
function installReflectMetadata(): () => void {
  const store = new WeakMap<object, Map<unknown, unknown>>();
  const api: ReflectMetadata = {
    defineMetadata(key, value, target) {
      let map = store.get(target);
      if (map === undefined) store.set(target, (map = new Map()));
      map.set(key, value);
    },
    getOwnMetadata: (key, target) => store.get(target as object)?.get(key),
    getOwnMetadataKeys: (target) => [...(store.get(target)?.keys() ?? [])],
  };
  Object.assign(Reflect, api);
  return () => {
    for (const name of Object.keys(api))
      delete (Reflect as unknown as Record<string, unknown>)[name];
  };
}
