import fc from 'fast-check';

/**
 * fast-check generators of hostile thrown values: everything a client library, a proxy or a bug
 * can throw at a classifier, a logger or an alert. (Plain fast-check with `fc.assert`:
 * importing @fast-check/vitest costs seconds per file on this machine.)
 */

/** Keys that classifiers, the redactor and the alert builders read. */
export const READ_KEYS = [
  'name',
  'message',
  'code',
  'status',
  'statusCode',
  'statusText',
  'response',
  'headers',
  'cause',
  'errors',
  'error',
  'body',
  'data',
  'info',
  'details',
  'shortMessage',
  'msg',
  'reason',
  'request',
  'config',
  'url',
  'requestUrl',
  'retry_after',
  'retryAfter',
  'type',
  'errno',
  'syscall',
  'stack',
  'value',
  'event',
  'parameters',
  '$metadata',
  '$fault',
  '$retryable',
  '$response',
] as const;

/** Error class names the domain classifiers look for along the prototype chain. */
export const ERROR_NAMES = [
  'Error',
  'TypeError',
  'AxiosError',
  'HTTPError',
  'RequestError',
  'TimeoutError',
  'AbortError',
  'FetchError',
  'BinanceError',
  'NetworkError',
  'RequestTimeout',
  'RateLimitExceeded',
  'DDoSProtection',
  'ExchangeNotAvailable',
  'InsufficientFunds',
  'InvalidOrder',
  'ExchangeError',
  'AuthenticationError',
  'ThrottlingException',
  'ServiceException',
  'DexError',
  'DexTimeoutError',
  'DexConnectionError',
  'HttpRequestError',
  'RpcRequestError',
  'TransactionExecutionError',
] as const;

const trapErrors = new WeakSet<object>();

/** A fresh error each time, so a trap never leaks a shared object into another run. */
export const trap = (label: string) => () => {
  const error = new Error(`trap: ${label}`);
  trapErrors.add(error);
  throw error;
};

/** True for an error thrown by one of the traps here (a user's own getter or proxy trap). */
export function isTrapError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && trapErrors.has(error);
}

/** An error of a class named `name` (a real subclass, so prototype names and instanceof see it). */
export function namedError(name: string, message: string): Error {
  const Base = name === 'TypeError' ? TypeError : Error;
  const Named = { [name]: class extends Base {} }[name]!;
  const error = new Named(message);
  Object.defineProperty(error, 'name', { value: name, configurable: true, writable: true });
  // Materialise the lazy stack now: formatting it later would read whatever fields are set.
  void error.stack;
  return error;
}

/** A Proxy whose every trap throws (the `target` decides what `typeof` says). */
export function throwingProxy(target: object = {}): object {
  return new Proxy(target, {
    get: trap('get'),
    has: trap('has'),
    ownKeys: trap('ownKeys'),
    getOwnPropertyDescriptor: trap('getOwnPropertyDescriptor'),
    getPrototypeOf: trap('getPrototypeOf'),
    apply: trap('apply'),
    construct: trap('construct'),
  });
}

/** A revoked Proxy: every operation on it throws a TypeError. */
export function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/** A Proxy that answers every property read with itself: an infinitely deep, cyclic value. */
export function selfProxy(): object {
  const proxy: object = new Proxy(new Error('self'), {
    get: (_target, key) => (key === Symbol.toPrimitive ? undefined : proxy),
    getPrototypeOf: () => Error.prototype,
  });
  return proxy;
}

/** An object (or error) whose getters for `keys` throw; they are enumerable, so walkers meet them. */
export function throwingGetters(base: object, keys: readonly string[]): object {
  // Materialise the lazy stack first: formatting it later would read the throwing getters.
  void (base as { stack?: unknown }).stack;
  for (const key of keys) {
    Object.defineProperty(base, key, { get: trap(key), enumerable: true, configurable: true });
  }
  return base;
}

/** An error whose `cause` chain of `length` links loops back to its start. */
export function cyclicCauseChain(length: number): Error {
  const first = new Error('cycle 0');
  let current = first;
  for (let i = 1; i < length; i++) {
    const next = new Error(`cycle ${i}`);
    (current as { cause?: unknown }).cause = next;
    current = next;
  }
  (current as { cause?: unknown }).cause = first;
  return first;
}

/** An error whose `cause` getter returns a fresh error each time: an endless chain without repeats. */
export function endlessCauseChain(): Error {
  const make = (depth: number): Error => {
    const error = new Error(`depth ${depth}`);
    Object.defineProperty(error, 'cause', { get: () => make(depth + 1), enumerable: true });
    return error;
  };
  return make(0);
}

/** An object every one of whose conversions (to string, number, JSON) throws. */
export function unprintable(): object {
  return throwingGetters(
    Object.assign(new Error('unprintable'), {
      [Symbol.toPrimitive]: trap('toPrimitive'),
      toString: trap('toString'),
      valueOf: trap('valueOf'),
      toJSON: trap('toJSON'),
    }),
    ['name'],
  );
}

/**
 * A hostile value to build inside a property: fast-check itself inspects every generated value
 * (`cloneMethod in value`), which a throwing proxy would not survive, so the generators produce
 * recipes and the property calls `make()`. Each call builds a fresh value.
 */
export interface Hostile {
  readonly label: string;
  make(): unknown;
}

function hostile(label: string, make: () => unknown): Hostile {
  return { label, make, [fc.toStringMethod]: () => label } as Hostile;
}

const MEGABYTE = 1_000_000;

/** Strings of about 1 MB (and their errors), repeating a token the parsers look for. */
export const hugeValues: fc.Arbitrary<Hostile> = fc
  .tuple(
    fc.constantFrom(
      'x',
      ' ',
      '0',
      'nonce too low ',
      '{"code":-1003,"msg":"',
      'Retry-After: ',
      '\\u0000',
    ),
    fc.integer({ min: 0, max: 3 }),
  )
  .map(([token, shape]) => {
    const text = () => token.repeat(Math.ceil(MEGABYTE / token.length));
    const makers: (() => unknown)[] = [
      text,
      () => new Error(text()),
      () => Object.assign(new Error('huge fields'), { code: text(), name: text(), status: text() }),
      () => {
        const t = text();
        return { msg: t, code: t, body: t, response: { data: t, headers: { 'retry-after': t } } };
      },
    ];
    return hostile(`1 MB of ${JSON.stringify(token)} (shape ${shape})`, makers[shape]!);
  });

/** Odd primitives and numbers, including the ones that break arithmetic and formatting. */
export const oddPrimitives: fc.Arbitrary<Hostile> = fc
  .oneof(
    fc.constantFrom<unknown>(
      null,
      undefined,
      NaN,
      Infinity,
      -Infinity,
      -0,
      Number.MAX_SAFE_INTEGER + 2,
      10n ** 30n,
      Symbol('thrown'),
      '',
      true,
    ),
    fc.string(),
    fc.double(),
    fc.integer(),
  )
  .map((value) => hostile(fc.stringify(value), () => value));

/** Plain data of any shape (fast-check's `anything`, with every option on). */
export const anyData: fc.Arbitrary<Hostile> = fc
  .anything({
    maxDepth: 2,
    withBigInt: true,
    withNullPrototype: true,
    withMap: true,
    withSet: true,
    withDate: true,
    withTypedArray: true,
    withSparseArray: true,
    withBoxedValues: true,
  })
  .map((value) => hostile(fc.stringify(value), () => value));

const EXOTIC: Hostile[] = [
  hostile('a Proxy whose traps throw', () => throwingProxy()),
  hostile('a Proxy of an Error whose traps throw', () => throwingProxy(new Error('proxied'))),
  hostile('a Proxy of a function whose traps throw', () => throwingProxy(() => {})),
  hostile('a revoked Proxy', () => revokedProxy()),
  hostile('a Proxy answering every read with itself', () => selfProxy()),
  hostile('an unprintable error', () => unprintable()),
  hostile('an endless cause chain', () => endlessCauseChain()),
  hostile('an object whose cause, response, error... are itself', () => {
    const cyclic: Record<string, unknown> = { message: 'cyclic' };
    for (const key of ['cause', 'response', 'error', 'data', 'errors', 'info'])
      cyclic[key] = cyclic;
    return cyclic;
  }),
  hostile('a frozen error', () =>
    Object.freeze(Object.assign(new Error('frozen'), { code: 'ECONNRESET' })),
  ),
  hostile('a frozen Binance payload', () =>
    Object.freeze({ code: -1003, msg: 'Too many requests' }),
  ),
  hostile('a null-prototype object', () =>
    Object.assign(Object.create(null) as object, { status: 503 }),
  ),
  hostile(
    'an AggregateError of proxies',
    () => new AggregateError([throwingProxy(), revokedProxy()], 'aggregate of proxies'),
  ),
];

/** Exotic objects: proxies, cycles, frozen and null-prototype objects, unprintable values. */
export const exoticValues: fc.Arbitrary<Hostile> = fc.oneof(
  fc.constantFrom(...EXOTIC),
  fc
    .integer({ min: 1, max: 12 })
    .map((n) => hostile(`a cause chain of ${n} looping back`, () => cyclicCauseChain(n))),
  fc
    .tuple(fc.constantFrom(...ERROR_NAMES), fc.subarray([...READ_KEYS], { minLength: 1 }))
    .map(([name, keys]) =>
      hostile(`a ${name} whose ${keys.join(', ')} getters throw`, () =>
        throwingGetters(namedError(name, 'getters'), keys),
      ),
    ),
  fc
    .subarray([...READ_KEYS], { minLength: 1 })
    .map((keys) =>
      hostile(`an object whose ${keys.join(', ')} getters throw`, () => throwingGetters({}, keys)),
    ),
);

/** Values classifiers look for, so that generated shapes reach their deeper branches. */
const meaningful: fc.Arbitrary<Hostile> = fc
  .constantFrom<unknown>(
    503,
    429,
    418,
    -1003,
    -2010,
    -32005,
    'ECONNRESET',
    'ETIMEDOUT',
    'ERR_CANCELED',
    'ThrottlingException',
    { 'retry-after': '120' },
  )
  .map((value) => hostile(fc.stringify(value), () => value));

const headersValue = hostile(
  'a Headers with an HTTP-date Retry-After',
  () => new Headers({ 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' }),
);

/**
 * Error-shaped values built from the keys classifiers read, with hostile values at any depth:
 * a named error or a plain object carrying status, code, headers, response, cause... of any
 * type, including the exotic values above.
 */
export const structuredValues: fc.Arbitrary<Hostile> = fc.letrec((tie) => ({
  leaf: fc.oneof(
    { weight: 3, arbitrary: oddPrimitives },
    { weight: 2, arbitrary: exoticValues },
    { weight: 2, arbitrary: anyData },
    { weight: 1, arbitrary: fc.oneof(meaningful, fc.constant(headersValue)) },
  ),
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('leaf') as fc.Arbitrary<Hostile>,
    fc
      .tuple(
        fc.constantFrom<string | undefined>(undefined, ...ERROR_NAMES),
        fc.dictionary(fc.constantFrom(...READ_KEYS), tie('node') as fc.Arbitrary<Hostile>, {
          maxKeys: 6,
        }),
      )
      .map(([name, fields]) =>
        hostile(
          `${name ?? 'object'} { ${Object.entries(fields)
            .map(([key, value]) => `${key}: ${value.label}`)
            .join(', ')} }`,
          () => {
            const base: object = name === undefined ? {} : namedError(name, 'structured');
            for (const [key, value] of Object.entries(fields)) {
              Object.defineProperty(base, key, {
                value: value.make(),
                enumerable: true,
                writable: true,
                configurable: true,
              });
            }
            return base;
          },
        ),
      ),
  ),
})).node;

/** Every kind of hostile thrown value. */
export const hostileValues: fc.Arbitrary<Hostile> = fc.oneof(
  { weight: 2, arbitrary: oddPrimitives },
  { weight: 3, arbitrary: exoticValues },
  { weight: 1, arbitrary: hugeValues },
  { weight: 4, arbitrary: structuredValues },
);
