import { describeValue } from './classify.js';
import { safeGet } from './redaction/redact.js';
import { DEFAULT_PLAN, planFor, type Plan, type RetryOptions } from './options.js';
import { run } from './retry.js';

/**
 * Options of a decorated method: an object, or a function of the instance (the class, for a
 * static method) and the call's arguments. Written inline in `@retryable(...)`, the function's
 * `self` and `args` are inferred from the decorated class and method. `NoInfer`: `S` and `A` come
 * from the decorated method only, so a wider annotation (`args: unknown[]`) is checked against the
 * method's parameters instead of replacing them.
 */
export type RetryableOptions<S = any, A extends any[] = any[]> =
  RetryOptions | ((self: NoInfer<S>, args: NoInfer<A>) => RetryOptions);

/** A method of `S` taking `A` that returns a promise: what `@retryable` can decorate. */
export type RetryableMethod<S = any, A extends any[] = any[]> = (
  this: S,
  ...args: A
) => PromiseLike<unknown>;

/**
 * A method decorator for both TypeScript decorator systems: TypeScript 5 standard decorators,
 * called as `(value, context)`, and `experimentalDecorators` (NestJS, older code), called as
 * `(target, key, descriptor)`. The decorated method must return a promise (declare it `async`):
 * a retried method is asynchronous, and the type says so.
 *
 * One call signature, not one overload per system: TypeScript infers a decorator factory's type
 * parameters from the decorator's expected type only through a single signature, and that is
 * how `@retryable((self, [symbol]) => …)` knows `self` is the class and `symbol` a `string`.
 * The method's own type is left as declared (a generic method stays generic). It returns the
 * replacement method (standard) or the updated descriptor (`experimentalDecorators`), typed `any`
 * because no one type is assignable to both of what the two systems expect.
 */
export type RetryableDecorator<S = any, A extends any[] = any[]> = (
  valueOrTarget: RetryableMethod<S, A> | S,
  ...rest:
    | [context: ClassMethodDecoratorContext<S, RetryableMethod<S, A>>]
    | [key: string | symbol, descriptor: { value?: RetryableMethod<S, A> }]
) => any;

/**
 * Retries a class method: every call is a fresh run, and the method body runs again on every
 * attempt, so per-attempt values (nonce, timestamp, signature) are fresh. Works with TypeScript's
 * standard decorators and with `experimentalDecorators`. `operation` defaults to
 * `ClassName.methodName`. Options are an object (validated here, at class definition) or a
 * function `(self, args) => options` evaluated per call. A synchronous method becomes
 * asynchronous; the types require the method to return a promise.
 *
 * @example
 * ```ts
 * class ExchangeAdapter {
 *   constructor(private readonly retryOptions: RetryOptions) {}
 *
 *   @retryable({ operation: 'execute_order', idempotent: false })
 *   async executeOrder(symbol: string, size: string) { return this.client.placeOrder(symbol, size); }
 *
 *   // `self` is an ExchangeAdapter and `symbol` a string, inferred from the class and method.
 *   @retryable((self, [symbol]) => ({ ...self.retryOptions, operation: `get_position_${symbol}` }))
 *   async getPosition(symbol: string) { return this.client.position(symbol); }
 * }
 * ```
 */
export function retryable<S = any, A extends any[] = any[]>(
  options?: RetryableOptions<S, A>,
): RetryableDecorator<S, A> {
  // `@retryable` without parentheses calls this with the decorator's own arguments.
  assertCalledAsFactory(arguments.length, 'retryable');
  return decorate(options as RetryableOptions<any, any[]> | undefined, DEFAULT_PLAN);
}

/**
 * Throws when a decorator factory received the decorator's arguments, i.e. was written without
 * parentheses (`@retryable` instead of `@retryable()`): otherwise standard decorators would
 * replace the method with a decorator, and `experimentalDecorators` would silently leave the
 * method undecorated.
 *
 * @example
 * ```ts
 * assertCalledAsFactory(1, 'retryable'); // @retryable(options): fine
 * assertCalledAsFactory(2, 'retryable'); // @retryable: throws TypeError
 * ```
 */
export function assertCalledAsFactory(argumentCount: number, name: string): void {
  if (argumentCount > 1) {
    throw new TypeError(`@${name}: call it: write @${name}() or @${name}(options), not @${name}`);
  }
}

/**
 * Builds the decorator over a base plan (the library defaults, or a `createRetry`'s). Options
 * given as an object are validated and planned here, once; a function of `(self, args)` is
 * planned per call.
 *
 * @example
 * ```ts
 * const decorator = decorate({ operation: 'get_balance' }, DEFAULT_PLAN);
 * class Account {
 *   @decorator async balance() { return client.balance(); }
 * }
 * ```
 */
export function decorate(
  options: RetryableOptions<any, any[]> | undefined,
  base: Plan,
): RetryableDecorator {
  const source: PlanSource =
    typeof options === 'function'
      ? { fixed: undefined, perCall: options, base }
      : { fixed: options === undefined ? base : planFor(options, base), perCall: undefined, base };

  return function retryableDecorator(...decoratorArgs: unknown[]): any {
    const [first, second, third] = decoratorArgs;
    if (decoratorArgs.length === 2 && isDecoratorContext(second)) {
      return decorateStandard(first, second, source);
    }
    if (decoratorArgs.length === 3 && (typeof second === 'string' || typeof second === 'symbol')) {
      return decorateDescriptor(first, second, third as PropertyDescriptor | undefined, source);
    }
    if (decoratorArgs.length === 2 && (typeof second === 'string' || typeof second === 'symbol')) {
      // experimentalDecorators on a field declared without a descriptor argument.
      throw notAMethod('field', second);
    }
    if (decoratorArgs.length === 1 && typeof first === 'function') {
      throw notAMethod('class', first.name);
    }
    throw new TypeError(`@retryable: can only decorate methods, got ${describeValue(first)}`);
  } as RetryableDecorator;
}

/** Where a decorated method's plan comes from: `fixed` for every call, else `perCall` over `base`. */
interface PlanSource {
  fixed: Plan | undefined;
  perCall: ((self: unknown, args: unknown[]) => RetryOptions) | undefined;
  base: Plan;
}

/** Standard decorators, `(value, context)`: the replacement method, or a throw for a non-method. */
function decorateStandard(
  value: unknown,
  context: ClassMemberDecoratorContext | ClassDecoratorContext,
  source: PlanSource,
): (...args: unknown[]) => Promise<unknown> {
  const { kind } = context;
  if (kind !== 'method') {
    const name = kind === 'class' ? context.name : (context as ClassMemberDecoratorContext).name;
    throw notAMethod(kind, name);
  }
  return wrapMethod(
    value as (...args: unknown[]) => unknown,
    context.name,
    context.static,
    undefined,
    source,
  );
}

/**
 * `experimentalDecorators`, `(prototype or constructor, key, descriptor)`: the descriptor with
 * its method replaced, or a throw for a field (no descriptor), an accessor or a non-function.
 */
function decorateDescriptor(
  target: unknown,
  key: string | symbol,
  descriptor: PropertyDescriptor | undefined,
  source: PlanSource,
): PropertyDescriptor {
  if (descriptor === undefined) throw notAMethod('field', key);
  const hasGetter = descriptor.get !== undefined;
  const hasSetter = descriptor.set !== undefined;
  if (hasGetter || hasSetter) {
    throw notAMethod(hasGetter ? (hasSetter ? 'accessor' : 'getter') : 'setter', key);
  }
  if (typeof descriptor.value !== 'function') {
    throw new TypeError(
      `@retryable: can only decorate methods, got ${describeValue(descriptor.value)} at ${describeKey(key)}`,
    );
  }
  const isStatic = typeof target === 'function';
  const declaringClass = isStatic ? target : safeGet(target, 'constructor');
  descriptor.value = wrapMethod(descriptor.value, key, isStatic, declaringClass, source);
  return descriptor;
}

/**
 * The wrapper that replaces the method: each call is one run of the method's body. Built once per
 * decorated method; a call only reads what is prepared here. `declaringClass` is known at
 * definition time under `experimentalDecorators` (the target); under standard decorators the
 * operation is named on first call.
 */
function wrapMethod(
  method: (...args: unknown[]) => unknown,
  key: string | symbol,
  isStatic: boolean,
  declaringClass: unknown,
  source: PlanSource,
): (...args: unknown[]) => Promise<unknown> {
  const { fixed, perCall, base } = source;
  const methodName = typeof key === 'symbol' ? `[${key.description ?? ''}]` : key;
  let operation =
    declaringClass === undefined ? undefined : operationName(declaringClass, methodName);
  const wrapper = function (this: unknown, ...args: unknown[]): Promise<unknown> {
    let plan: Plan;
    try {
      plan = fixed ?? planFor(perCall!(this, args), base);
    } catch (error) {
      return Promise.reject(error);
    }
    // Not found (a private method, a detached call, a method copied elsewhere): named after the
    // receiver, and looked for again next time.
    const name =
      (operation ??= declaredOperation(this, key, wrapper, isStatic, methodName)) ??
      operationName(isStatic ? this : safeGet(this, 'constructor'), methodName);
    return run(() => method.apply(this, args), plan, name);
  };
  Object.defineProperty(wrapper, 'name', { value: methodName });
  copyMetadata(method, wrapper);
  return wrapper;
}

/** `ClassName.methodName` after the class that declares the method called on `self`, if found. */
function declaredOperation(
  self: unknown,
  key: string | symbol,
  wrapper: unknown,
  isStatic: boolean,
  methodName: string,
): string | undefined {
  const owner = declaringOwner(self, key, wrapper);
  if (owner === undefined) return undefined;
  return operationName(isStatic ? owner : safeGet(owner, 'constructor'), methodName);
}

function notAMethod(kind: string, name: string | symbol | undefined): TypeError {
  const article = /^[aeiou]/.test(kind) ? 'an' : 'a';
  const target = name === undefined || name === '' ? '' : ` ${describeKey(name)}`;
  return new TypeError(`@retryable: can only decorate methods, got ${article} ${kind}${target}`);
}

function describeKey(key: string | symbol): string {
  return typeof key === 'symbol' ? key.toString() : JSON.stringify(key);
}

function isDecoratorContext(
  value: unknown,
): value is ClassMemberDecoratorContext | ClassDecoratorContext {
  return typeof value === 'object' && value !== null && 'kind' in value && 'name' in value;
}

/** `ClassName.methodName`; `anonymous` when the class has no name. */
function operationName(ctor: unknown, methodName: string): string {
  const name = typeof ctor === 'function' ? safeGet(ctor, 'name') : undefined;
  const className = typeof name === 'string' && name !== '' ? name : 'anonymous';
  return `${className}.${methodName}`;
}

/**
 * The object (prototype, or class for a static method) that owns `wrapper` under `key`, walking
 * up from `self`: the class that declares the method, not a subclass that inherits it. Undefined
 * when not found (a private method, a detached call); never throws (a proxy's traps may).
 */
function declaringOwner(self: unknown, key: string | symbol, wrapper: unknown): object | undefined {
  try {
    let owner: unknown = self;
    while (owner !== null && owner !== undefined) {
      if (Object.getOwnPropertyDescriptor(owner, key)?.value === wrapper) return owner;
      owner = Object.getPrototypeOf(owner);
    }
  } catch {
    // fall through
  }
  return undefined;
}

interface MetadataReflect {
  getOwnMetadataKeys?: (target: object) => unknown[];
  getOwnMetadata?: (key: unknown, target: object) => unknown;
  defineMetadata?: (key: unknown, value: unknown, target: object) => void;
}

/**
 * NestJS (and other reflect-metadata users) keep route, cron and event metadata on the method
 * function itself (`Reflect.defineMetadata(key, value, descriptor.value)`): a decorator applied
 * before this one put it on the original, so the wrapper carries it over and decorator order
 * does not matter. Nothing happens without reflect-metadata.
 */
function copyMetadata(from: object, to: object): void {
  const reflect = Reflect as MetadataReflect;
  const { getOwnMetadataKeys, getOwnMetadata, defineMetadata } = reflect;
  if (typeof getOwnMetadataKeys !== 'function' || typeof getOwnMetadata !== 'function') return;
  if (typeof defineMetadata !== 'function') return;
  for (const key of getOwnMetadataKeys.call(reflect, from)) {
    defineMetadata.call(reflect, key, getOwnMetadata.call(reflect, key, from), to);
  }
}
