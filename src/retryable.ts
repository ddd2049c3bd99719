import { describeValue } from './classify.js';
import { DEFAULT_PLAN, planFor, type Plan, type RetryOptions } from './options.js';
import { run } from './retry.js';

/** Options of a decorated method: an object, or a function of the instance and the call's arguments. */
export type RetryableOptions<S = any, A extends any[] = any[]> =
  RetryOptions | ((self: S, args: A) => RetryOptions);

type AsyncMethod<This, Args extends any[], R> = (this: This, ...args: Args) => R;

/**
 * A method decorator for both TypeScript decorator systems. The decorated method must return a
 * promise (declare it `async`): a retried method is asynchronous, and the type says so.
 */
export interface RetryableDecorator {
  /** TypeScript 5 standard decorators. */
  <This, Args extends any[], R extends PromiseLike<unknown>>(
    value: AsyncMethod<This, Args, R>,
    context: ClassMethodDecoratorContext<This, AsyncMethod<This, Args, R>>,
  ): AsyncMethod<This, Args, R>;
  /** `experimentalDecorators` (NestJS, older code). */
  <F extends (...args: any[]) => PromiseLike<unknown>>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<F>,
  ): TypedPropertyDescriptor<F>;
}

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
 *   @retryable((self: ExchangeAdapter) => self.retryOptions)
 *   async getPosition(symbol: string) { return this.client.position(symbol); }
 * }
 * ```
 */
export function retryable<S = any, A extends any[] = any[]>(
  options?: RetryableOptions<S, A>,
): RetryableDecorator {
  return decorate(options as RetryableOptions<any, any[]> | undefined, DEFAULT_PLAN);
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

  const wrap = (method: (...args: unknown[]) => unknown, methodName: string, isStatic: boolean) => {
    let operation: string | undefined;
    const wrapper = function (this: unknown, ...args: unknown[]): Promise<unknown> {
      operation ??= declaringName(this, wrapper, methodName, isStatic);
      let plan: Plan;
      try {
        plan = fixed ?? planFor(perCall!(this, args), base);
      } catch (error) {
        return Promise.reject(error);
      }
      return run(() => method.apply(this, args), plan, operation);
    };
    Object.defineProperty(wrapper, 'name', { value: methodName });
    return wrapper;
  };

  return function retryableDecorator(...decoratorArgs: unknown[]): any {
    const [first, second, third] = decoratorArgs;
    if (decoratorArgs.length === 2 && isDecoratorContext(second)) {
      const name = String(second.name);
      if (second.kind !== 'method') {
        throw new TypeError(
          `@retryable: can only decorate methods, got ${second.kind === 'class' ? 'a class' : `a ${second.kind}`} ${JSON.stringify(name)}`,
        );
      }
      return wrap(first as (...args: unknown[]) => unknown, name, second.static);
    }
    if (decoratorArgs.length === 3 && (typeof second === 'string' || typeof second === 'symbol')) {
      const name = String(second);
      const descriptor = third as PropertyDescriptor | undefined;
      if (descriptor === undefined) {
        throw new TypeError(
          `@retryable: can only decorate methods, got a field ${JSON.stringify(name)}`,
        );
      }
      if (descriptor.get !== undefined || descriptor.set !== undefined) {
        throw new TypeError(
          `@retryable: can only decorate methods, got an accessor ${JSON.stringify(name)}`,
        );
      }
      if (typeof descriptor.value !== 'function') {
        throw new TypeError(
          `@retryable: can only decorate methods, got ${describeValue(descriptor.value)} at ${JSON.stringify(name)}`,
        );
      }
      descriptor.value = wrap(descriptor.value, name, typeof first === 'function');
      return descriptor;
    }
    if (decoratorArgs.length === 2 && typeof second === 'string') {
      throw new TypeError(
        `@retryable: can only decorate methods, got a field ${JSON.stringify(second)}`,
      );
    }
    throw new TypeError(
      `@retryable: can only decorate methods, got ${typeof first === 'function' && decoratorArgs.length === 1 ? `a class ${JSON.stringify(first.name)}` : describeValue(first)}`,
    );
  } as RetryableDecorator;
}

function isDecoratorContext(
  value: unknown,
): value is ClassMemberDecoratorContext | ClassDecoratorContext {
  return typeof value === 'object' && value !== null && 'kind' in value && 'name' in value;
}

/**
 * `ClassName.methodName`, naming the class that declares the method (not a subclass that
 * inherits it): found once, on the first call, by walking up from `self` to the object that owns
 * the wrapper.
 */
function declaringName(
  self: unknown,
  wrapper: unknown,
  methodName: string,
  isStatic: boolean,
): string {
  let owner: unknown = self;
  while (owner !== null && owner !== undefined) {
    const own = Object.getOwnPropertyDescriptor(owner, methodName);
    if (own?.value === wrapper) break;
    owner = Object.getPrototypeOf(owner);
  }
  const ctor = isStatic
    ? owner
    : (owner as { constructor?: unknown } | null | undefined)?.constructor;
  const className = typeof ctor === 'function' && ctor.name !== '' ? ctor.name : 'anonymous';
  return `${className}.${methodName}`;
}
