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
 */
export function assertCalledAsFactory(argumentCount: number, name: string): void {
  if (argumentCount > 1) {
    throw new TypeError(`@${name}: call it: write @${name}() or @${name}(options), not @${name}`);
  }
}

/** Builds the decorator over a base plan (the library defaults, or a `createRetry`'s). */
export function decorate(
  options: RetryableOptions<any, any[]> | undefined,
  base: Plan,
): RetryableDecorator {
  let fixed: Plan | undefined;
  let perCall: ((self: unknown, args: unknown[]) => RetryOptions) | undefined;
  if (typeof options === 'function') perCall = options;
  else fixed = options === undefined ? base : planFor(options, base);

  /**
   * The wrapper that replaces the method. `declaringClass` is known at definition time under
   * `experimentalDecorators` (the target); under standard decorators it is found on first call.
   */
  const wrap = (
    method: (...args: unknown[]) => unknown,
    key: string | symbol,
    isStatic: boolean,
    declaringClass: unknown,
  ) => {
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
      let name = operation;
      if (name === undefined) {
        const owner = declaringOwner(this, key, wrapper);
        if (owner !== undefined) {
          name = operation = operationName(
            isStatic ? owner : safeGet(owner, 'constructor'),
            methodName,
          );
        } else {
          // A private method, a detached call or a method copied elsewhere: name it after the
          // receiver, and look again next time.
          name = operationName(isStatic ? this : safeGet(this, 'constructor'), methodName);
        }
      }
      return run(() => method.apply(this, args), plan, name);
    };
    Object.defineProperty(wrapper, 'name', { value: methodName });
    copyMetadata(method, wrapper);
    return wrapper;
  };

  return function retryableDecorator(...decoratorArgs: unknown[]): any {
    const [first, second, third] = decoratorArgs;
    if (decoratorArgs.length === 2 && isDecoratorContext(second)) {
      // Standard decorators: (value, context).
      const { kind } = second;
      if (kind !== 'method') {
        const name = kind === 'class' ? second.name : (second as ClassMemberDecoratorContext).name;
        throw notAMethod(kind, name);
      }
      return wrap(first as (...args: unknown[]) => unknown, second.name, second.static, undefined);
    }
    if (decoratorArgs.length === 3 && (typeof second === 'string' || typeof second === 'symbol')) {
      // experimentalDecorators: (prototype or constructor, key, descriptor); a field has no descriptor.
      const descriptor = third as PropertyDescriptor | undefined;
      if (descriptor === undefined) throw notAMethod('field', second);
      const hasGetter = descriptor.get !== undefined;
      const hasSetter = descriptor.set !== undefined;
      if (hasGetter || hasSetter) {
        throw notAMethod(hasGetter ? (hasSetter ? 'accessor' : 'getter') : 'setter', second);
      }
      if (typeof descriptor.value !== 'function') {
        throw new TypeError(
          `@retryable: can only decorate methods, got ${describeValue(descriptor.value)} at ${describeKey(second)}`,
        );
      }
      const isStatic = typeof first === 'function';
      descriptor.value = wrap(
        descriptor.value,
        second,
        isStatic,
        isStatic ? first : safeGet(first, 'constructor'),
      );
      return descriptor;
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
