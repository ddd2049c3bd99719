import type * as DiagnosticsChannel from 'node:diagnostics_channel';
import { lazy } from './lazy.js';

/**
 * `node:diagnostics_channel`, loaded the first time a run looks at a channel rather than at
 * import: an application that imports tenacious and never retries does not load it (engines
 * `>=20.19`, so `process.getBuiltinModule` is there).
 */
export const diagnosticsChannel = /* @__PURE__ */ lazy((): typeof DiagnosticsChannel =>
  process.getBuiltinModule('node:diagnostics_channel'),
);

/** The part of a `diagnostics_channel` channel an event kind uses. */
export interface EventChannel {
  readonly hasSubscribers: boolean;
  publish(message: unknown): void;
}

/**
 * The channel `name`, made on first use. A tool that subscribed earlier gets the same channel,
 * since channels are looked up by name.
 *
 * @example
 * ```ts
 * const retries = lazyChannel('tenacious:retry');
 * if (retries.hasSubscribers) retries.publish(event);
 * ```
 */
export function lazyChannel(name: string): EventChannel {
  const channel = lazy(() => diagnosticsChannel().channel(name));
  return {
    get hasSubscribers() {
      return channel().hasSubscribers;
    },
    publish: (message) => channel().publish(message),
  };
}
