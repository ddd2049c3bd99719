import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { awsClassifier } from '../../src/aws/index.js';
import { binanceClassifier } from '../../src/binance/index.js';
import { ccxtClassifier } from '../../src/ccxt/index.js';
import { dexClassifier, jsonRpcClassifier } from '../../src/dex/index.js';
import { httpClassifier } from '../../src/http/index.js';
import { defaultClassifier, type Classifier } from '../../src/index.js';
import { hostileValues } from './arbitraries.js';

/**
 * A classifier that takes long on some input is a denial of service: a thrown value (a 1 MB
 * message, an endless cause chain) must not stall the retry loop. Measured here with real time,
 * one file at a time, and a bound far above what any classifier takes at rest (well under 10 ms),
 * so that only a pathological slowdown (a regular expression backtracking, a walk that never
 * ends) fails. hostile-input.test.ts checks the verdicts themselves in the fast suite.
 */
const MAX_CLASSIFY_MS = 250;

const CLASSIFIERS: Record<string, Classifier> = {
  defaultClassifier,
  httpClassifier: httpClassifier(),
  awsClassifier: awsClassifier(),
  binanceClassifier: binanceClassifier(),
  ccxtClassifier: ccxtClassifier(),
  dexClassifier: dexClassifier(),
  jsonRpcClassifier: jsonRpcClassifier(),
};

describe('classification cost on hostile input', () => {
  it.each(Object.keys(CLASSIFIERS))('classifies any thrown or returned value fast: %s', (name) => {
    const classify = CLASSIFIERS[name]!;
    let slowest = 0;
    fc.assert(
      fc.property(hostileValues, fc.boolean(), (h, thrown) => {
        const made = h.make();
        const started = performance.now();
        try {
          classify(thrown ? { ok: false, error: made } : { ok: true, value: made });
        } catch {
          // hostile-input.test.ts owns whether a classifier throws; only time is measured here.
        }
        slowest = Math.max(slowest, performance.now() - started);
      }),
      { numRuns: 300 },
    );
    expect(slowest).toBeLessThan(MAX_CLASSIFY_MS);
  });
});
