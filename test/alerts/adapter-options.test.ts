import { describe, expect, it } from 'vitest';
import {
  telegramAlert,
  webhookAlert,
  type AlertAdapterOptions,
  type AlertListener,
} from '../../src/alerts/index.js';

/** Each adapter with its own required options, taking the shared ones on top. */
const ADAPTERS: readonly [string, (shared: AlertAdapterOptions) => AlertListener][] = [
  [
    'telegramAlert',
    (shared) =>
      telegramAlert({
        botToken: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw',
        chatId: 1,
        ...shared,
      }),
  ],
  [
    'webhookAlert',
    (shared) => webhookAlert({ url: 'https://ops.example.com/hook', format: 'json', ...shared }),
  ],
];

describe.each(ADAPTERS)('%s: the options every adapter shares', (name, create) => {
  it('rejects a negative throttleMs', () => {
    expect(() => create({ throttleMs: -1 })).toThrow(
      new RangeError(`${name}: throttleMs: expected a number >= 0, got -1`),
    );
  });

  it('rejects an attemptTimeoutMs a timer cannot hold', () => {
    expect(() => create({ attemptTimeoutMs: 2 ** 31 })).toThrow(
      new RangeError(
        `${name}: attemptTimeoutMs: expected a number > 0 and <= 2147483647, got 2147483648`,
      ),
    );
  });

  it('rejects a fetch that is not a function', () => {
    expect(() => create({ fetch: 'fetch' as never })).toThrow(
      new TypeError(`${name}: fetch: expected a function, got "fetch"`),
    );
  });

  it('rejects an empty hostname', () => {
    expect(() => create({ hostname: '' })).toThrow(
      new RangeError(`${name}: hostname: expected a non-empty string, got ""`),
    );
  });

  it('rejects a clock without now and sleep', () => {
    expect(() => create({ clock: {} as never })).toThrow(
      new TypeError(`${name}: clock: expected a clock with now() and sleep(ms, signal), got {}`),
    );
  });
});
