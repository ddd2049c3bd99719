import type * as DiagnosticsChannel from 'node:diagnostics_channel';

/**
 * `node:diagnostics_channel`, loaded the first time a run looks at a channel rather than at
 * import: an application that imports tenacious and never retries does not load it (engines
 * `>=20.19`, so `process.getBuiltinModule` is there).
 */
let loaded: typeof DiagnosticsChannel | undefined;
export function diagnosticsChannel(): typeof DiagnosticsChannel {
  return (loaded ??= process.getBuiltinModule('node:diagnostics_channel'));
}

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
  let real: DiagnosticsChannel.Channel | undefined;
  const channel = () => (real ??= diagnosticsChannel().channel(name));
  return {
    get hasSubscribers() {
      return channel().hasSubscribers;
    },
    publish: (message) => channel().publish(message),
  };
}
