import { fc, test } from '../helpers/property.js';
import { describe, expect, it } from 'vitest';
import type { Classifier, Verdict } from '../../src/index.js';
import { DexTimeoutError, dexClassifier, jsonRpcClassifier } from '../../src/dex/index.js';

const classifiers: [string, Classifier][] = [
  ['jsonRpcClassifier', jsonRpcClassifier()],
  ['dexClassifier', dexClassifier()],
];

function isVerdictOrNothing(verdict: Verdict | undefined): boolean {
  if (verdict === undefined) return true;
  return (
    ['retry', 'fail', 'unknown'].includes(verdict.action) &&
    typeof verdict.reason === 'string' &&
    /^[a-z]+:\S+$/.test(verdict.reason) &&
    (verdict.retryAfterMs === undefined ||
      (Number.isFinite(verdict.retryAfterMs) && verdict.retryAfterMs >= 0))
  );
}

/** Values shaped like what the classifiers look into, with arbitrary contents. */
const shaped = fc.oneof(
  fc.record({
    code: fc.oneof(fc.integer(), fc.string(), fc.anything()),
    message: fc.anything(),
    data: fc.anything(),
  }),
  fc.record({ status: fc.anything(), response: fc.anything(), error: fc.anything() }),
  fc.record({ codespace: fc.string(), code: fc.anything(), log: fc.anything() }),
  fc.record({
    code: fc.constantFrom('SERVER_ERROR', 'UNKNOWN_ERROR', 'CALL_EXCEPTION'),
    shortMessage: fc.string(),
    info: fc.anything(),
    error: fc.anything(),
    response: fc.anything(),
  }),
  fc.record({
    name: fc.string(),
    details: fc.anything(),
    walk: fc.constant(() => null),
    cause: fc.anything(),
    headers: fc.anything(),
    status: fc.anything(),
  }),
);

describe.each(classifiers)('%s never throws', (_name, classify) => {
  test.prop([fc.anything()])('on any thrown value', (error) => {
    expect(isVerdictOrNothing(classify({ ok: false, error }))).toBe(true);
  });

  test.prop([fc.anything()])('on any returned value', (value) => {
    expect(isVerdictOrNothing(classify({ ok: true, value }))).toBe(true);
  });

  test.prop([shaped])('on values shaped like client errors', (value) => {
    expect(isVerdictOrNothing(classify({ ok: false, error: value }))).toBe(true);
    expect(isVerdictOrNothing(classify({ ok: true, value }))).toBe(true);
  });

  it('on a proxy whose every trap throws', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('get');
        },
        has() {
          throw new Error('has');
        },
        ownKeys() {
          throw new Error('ownKeys');
        },
        getPrototypeOf() {
          throw new Error('getPrototypeOf');
        },
        getOwnPropertyDescriptor() {
          throw new Error('getOwnPropertyDescriptor');
        },
      },
    );
    expect(classify({ ok: false, error: hostile })).toBeUndefined();
    expect(classify({ ok: true, value: hostile })).toBeUndefined();
    expect(
      classify({
        ok: false,
        error: { cause: hostile, error: hostile, info: hostile, response: hostile },
      }),
    ).toBeUndefined();
  });

  it('on a revoked proxy', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(classify({ ok: false, error: proxy })).toBeUndefined();
    expect(
      classify({ ok: true, value: { status: 'ok', response: { data: { statuses: proxy } } } }),
    ).toBeUndefined();
  });

  it('on cyclic cause and error chains', () => {
    const a: Record<string, unknown> = { message: 'a' };
    const b: Record<string, unknown> = { message: 'b', cause: a, error: a };
    a.cause = b;
    a.error = b;
    expect(classify({ ok: false, error: a })).toBeUndefined();
    const loop = new Error('loop');
    (loop as { cause?: unknown }).cause = loop;
    expect(classify({ ok: false, error: loop })).toBeUndefined();
  });

  it('on a huge or malformed ethers response body', () => {
    const info = { responseBody: `{"error": ${'['.repeat(100_000)}` };
    expect(
      classify({ ok: false, error: { code: 'SERVER_ERROR', shortMessage: 'x', info } }),
    ).toEqual({
      action: 'unknown',
      reason: 'ethers:SERVER_ERROR',
    });
  });

  it('on a Hyperliquid statuses array with a throwing getter', () => {
    const statuses = [
      {
        get error(): string {
          throw new Error('getter');
        },
      },
    ];
    expect(
      classify({ ok: true, value: { status: 'ok', response: { data: { statuses } } } }),
    ).toBeUndefined();
  });
});

describe('dexClassifier on hostile adapter errors', () => {
  it('still classifies a DexTimeoutError whose cause getter throws', () => {
    const error = new DexTimeoutError('slow');
    Object.defineProperty(error, 'cause', {
      get() {
        throw new Error('cause getter');
      },
    });
    expect(dexClassifier()({ ok: false, error })).toEqual({
      action: 'unknown',
      reason: 'dex:DexTimeoutError',
    });
  });
});
