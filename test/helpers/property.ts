import fc from 'fast-check';
import { test as vitestTest } from 'vitest';

/**
 * `test.prop` as @fast-check/vitest writes it, `test.prop([arbitraries], params?)(name, fn)`,
 * on plain fast-check: one vitest test that runs `fc.assert` over the property, async or not.
 *
 * Why not @fast-check/vitest itself: version 0.5 builds its `test` at import by walking every
 * chain of vitest 4.1's test modifiers (`skip.only.concurrent…`), which takes 4-10 s on the
 * 2-core development machine each time a module graph imports it (once per file when vitest
 * isolated files, once per worker now). This keeps the same call shape, so switching back is
 * one import line per file. The backoff strategies and combinators
 * (test/backoff.test.ts) keep @fast-check/vitest itself: one file pays the import there.
 */
type Values<Ts extends unknown[]> = { [K in keyof Ts]: fc.Arbitrary<Ts[K]> };
type Runner<Args extends unknown[]> = (
  name: string,
  predicate: (...args: Args) => unknown,
  timeout?: number,
) => void;

function prop<Ts extends [unknown, ...unknown[]]>(
  arbitraries: Values<Ts>,
  params?: fc.Parameters<[Ts]>,
): Runner<Ts>;
function prop<R extends Record<string, unknown>>(
  arbitraries: { [K in keyof R]: fc.Arbitrary<R[K]> },
  params?: fc.Parameters<[R]>,
): Runner<[R]>;
function prop(
  arbitraries: fc.Arbitrary<unknown>[] | Record<string, fc.Arbitrary<unknown>>,
  params?: fc.Parameters<[unknown]>,
): Runner<unknown[]> {
  // An array gives the predicate one argument per arbitrary; a record gives it one object.
  const arbitrary: fc.Arbitrary<unknown[]> = Array.isArray(arbitraries)
    ? fc.tuple(...arbitraries)
    : fc.record(arbitraries).map((record) => [record]);
  return (name, predicate, timeout) => {
    vitestTest(
      name,
      async () => {
        await fc.assert(
          fc.asyncProperty(arbitrary, async (values) => {
            // A property that returns false fails, as in fast-check.
            if ((await predicate(...values)) === false) throw new Error('property returned false');
          }),
          params as fc.Parameters<[unknown[]]> | undefined,
        );
      },
      timeout,
    );
  };
}

/** `test.prop(...)` for property tests (vitest's own `test` is left untouched). */
export const test = { prop };
export { fc };
