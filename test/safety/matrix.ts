import { awsClassifier } from '../../src/aws/index.js';
import { binanceClassifier, binancePresets } from '../../src/binance/index.js';
import { bybitClassifier, bybitPresets } from '../../src/bybit/index.js';
import { ccxtClassifier } from '../../src/ccxt/index.js';
import { dexClassifier, dexPresets, jsonRpcClassifier } from '../../src/dex/index.js';
import { httpClassifier } from '../../src/http/index.js';
import { okxClassifier, okxPresets } from '../../src/okx/index.js';
import {
  defaultClassifier,
  onUnknownOutcome,
  presets,
  readsResponseBody,
  retry,
  UnknownOutcomeError,
  type Classifier,
  type RetryOptions,
  type UnknownOutcomeEvent,
  type Verdict,
} from '../../src/index.js';
import { isBodyReader } from '../../src/core/response-body.js';
import { instantClock } from '../../src/testing/index.js';
import { ATTEMPT_TIMEOUT_MS, MATRIX_CLIENTS, type MatrixClient } from './clients.js';
import type { Failure, Venue } from './venue.js';

/**
 * The unknown-outcome safety matrix: every client × every failure it can meet × every
 * configuration a caller might choose, each cell a real run against the local venue with
 * `idempotent: false`. A cell holds when
 * 1. the venue executed the order at most once, unless `reconcile` answered `not-executed`;
 * 2. `reconcile` ran for every `unknown` verdict (and, without one, the run rejected with
 *    `UnknownOutcomeError` at the first);
 * 3. the per-call and the process-wide `onUnknownOutcome` fired once per unknown verdict, with
 *    the resolution `reconcile` gave (`executed`, `not-executed`), or `unreconciled`.
 */

/** What a caller might configure. */
export const CONFIGS: readonly (readonly [string, () => RetryOptions<any>])[] = [
  ['no classifier', () => ({})],
  ['httpClassifier', () => ({ classify: httpClassifier() })],
  ['binanceClassifier', () => ({ classify: binanceClassifier() })],
  ['ccxtClassifier', () => ({ classify: ccxtClassifier() })],
  ['dexClassifier', () => ({ classify: dexClassifier() })],
  ['jsonRpcClassifier', () => ({ classify: jsonRpcClassifier() })],
  ['awsClassifier', () => ({ classify: awsClassifier() })],
  ['presets.orderExecution', () => presets.orderExecution],
  ['presets.httpApi', () => presets.httpApi],
  ['binancePresets.binanceOrder', () => binancePresets.binanceOrder],
  ['dexPresets.dexOrder', () => dexPresets.dexOrder],
  ['dexPresets.evmSend', () => dexPresets.evmSend],
  ['okxClassifier', () => ({ classify: okxClassifier() })],
  ['okxPresets.okxOrder', () => okxPresets.okxOrder],
  ['bybitClassifier', () => ({ classify: bybitClassifier() })],
  ['bybitPresets.bybitOrder', () => bybitPresets.bybitOrder],
];

/** With a `reconcile` that looks the order up on the venue, or with none. */
export type ReconcileMode = 'lookup' | 'none';

export interface CellResult {
  client: string;
  failure: Failure;
  config: string;
  mode: ReconcileMode;
  /** Orders (raw transactions) the venue executed. */
  executed: number;
  /** Order requests the venue received. */
  received: number;
  /** Every verdict the run's classification gave, in order. */
  verdicts: (Verdict | undefined)[];
  reconcileAnswers: boolean[];
  hookResolutions: string[];
  hubResolutions: string[];
  /** How the run ended: `value` (resolved), or the rejection's class name. */
  ended: string;
  /** Why the cell does not hold; empty when it holds. */
  problems: string[];
  /** Real time the cell took (for tuning only; never asserted). */
  wallMs: number;
}

/**
 * The configured classifiers followed by the default rule, exactly as the engine applies them,
 * recording every verdict so the cell can count the unknown ones.
 */
function recording(classify: RetryOptions<any>['classify'], verdicts: (Verdict | undefined)[]) {
  const list: readonly Classifier<any>[] =
    classify === undefined ? [] : Array.isArray(classify) ? classify : [classify as Classifier];
  const record = ((outcome) => {
    let verdict: Verdict | undefined;
    for (const classifier of list) {
      verdict = classifier(outcome);
      if (verdict !== undefined) break;
    }
    verdict ??= defaultClassifier(outcome);
    verdicts.push(verdict);
    return verdict;
  }) as Classifier<any>;
  // The engine reads fetch bodies only for body-reading classifiers: keep their mark.
  return list.some(isBodyReader) ? readsResponseBody(record) : record;
}

const hubEvents = new Map<string, UnknownOutcomeEvent[]>();
let stopHub: (() => void) | undefined;

/** Runs one cell. */
export async function runCell(
  venue: Venue,
  client: MatrixClient,
  failure: Failure,
  [config, options]: readonly [string, () => RetryOptions<any>],
  mode: ReconcileMode,
  id: string,
): Promise<CellResult> {
  const startedMs = Date.now();
  const cell = venue.open(id, failure);
  const verdicts: (Verdict | undefined)[] = [];
  const reconcileAnswers: boolean[] = [];
  const hookEvents: UnknownOutcomeEvent[] = [];
  const base = options();
  const run: RetryOptions<any> = {
    ...base,
    operation: id,
    idempotent: false,
    classify: recording(base.classify, verdicts),
    clock: instantClock(),
    onUnknownOutcome: (event) => void hookEvents.push(event),
    ...(failure === 'hang-past-attempt-timeout' ? { attemptTimeoutMs: ATTEMPT_TIMEOUT_MS } : {}),
    ...(mode === 'lookup'
      ? {
          // A reconcile that looks the order up by its client order id, as an application's does.
          reconcile: async () => {
            const executed = cell.executed > 0;
            reconcileAnswers.push(executed);
            return executed
              ? { executed: true as const, value: { clientOrderId: id, reconciled: true } }
              : { executed: false as const };
          },
        }
      : {}),
  };
  let ended: string;
  let rejection: unknown;
  try {
    await retry(client.order({ venue, id, failure }), run);
    ended = 'value';
  } catch (error) {
    rejection = error;
    ended = error instanceof Error ? error.name : typeof error;
  }
  // The hub's listeners ran before the run settled; the per-call hook too.
  const hub = hubEvents.get(id) ?? [];
  hubEvents.delete(id);

  const unknowns = verdicts.filter((v) => v?.action === 'unknown').length;
  const problems: string[] = [];
  const notExecutedAnswers = reconcileAnswers.filter((a) => !a).length;
  if (cell.executed > 1 && notExecutedAnswers === 0) {
    problems.push(`the venue executed the order ${cell.executed} times`);
  }
  if (mode === 'lookup' && reconcileAnswers.length !== unknowns) {
    problems.push(
      `reconcile ran ${reconcileAnswers.length} times for ${unknowns} unknown verdicts`,
    );
  }
  if (mode === 'none' && unknowns > 0) {
    if (unknowns !== 1) problems.push(`${unknowns} unknown verdicts without reconcile`);
    if (!(rejection instanceof UnknownOutcomeError)) {
      problems.push(`rejected with ${ended} instead of UnknownOutcomeError`);
    }
  }
  const expected =
    mode === 'lookup'
      ? reconcileAnswers.map((executed) => (executed ? 'executed' : 'not-executed'))
      : Array.from({ length: unknowns }, () => 'unreconciled');
  const hookResolutions: string[] = hookEvents.map((e) => e.resolution);
  const hubResolutions: string[] = hub.map((e) => e.resolution);
  if (hookResolutions.join() !== expected.join()) {
    problems.push(
      `onUnknownOutcome hook saw [${hookResolutions.join()}], expected [${expected.join()}]`,
    );
  }
  if (hubResolutions.join() !== expected.join()) {
    problems.push(
      `process-wide onUnknownOutcome saw [${hubResolutions.join()}], expected [${expected.join()}]`,
    );
  }
  return {
    client: client.name,
    failure,
    config,
    mode,
    executed: cell.executed,
    received: cell.received,
    verdicts,
    reconcileAnswers,
    hookResolutions,
    hubResolutions,
    ended,
    problems,
    wallMs: Date.now() - startedMs,
  };
}

/** Runs `tasks` with at most `limit` in flight. */
async function pool<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/**
 * Every cell of the matrix, in table order: each configuration with a looking-up `reconcile`,
 * and the no-classifier configuration without one too.
 */
export async function runMatrix(venue: Venue, concurrency = 48): Promise<CellResult[]> {
  stopHub ??= onUnknownOutcome((event) => {
    const list = hubEvents.get(event.operation) ?? [];
    list.push(event);
    hubEvents.set(event.operation, list);
  });
  const tasks: (() => Promise<CellResult>)[] = [];
  let n = 0;
  for (const client of MATRIX_CLIENTS) {
    for (const failure of client.failures) {
      for (const config of CONFIGS) {
        // Without reconcile, what follows an unknown verdict does not depend on the classifier
        // (the engine rejects with UnknownOutcomeError): one configuration covers it.
        const modes = config === CONFIGS[0] ? (['lookup', 'none'] as const) : (['lookup'] as const);
        for (const mode of modes) {
          const id = `cell${++n}`;
          tasks.push(() => runCell(venue, client, failure, config, mode, id));
        }
      }
    }
  }
  try {
    return await pool(tasks, concurrency);
  } finally {
    stopHub?.();
    stopHub = undefined;
    for (const client of MATRIX_CLIENTS) await client.close?.();
  }
}

/**
 * The verdict on the first failure (`value` when the client returned its response and no rule
 * gave a verdict), marked `✗` when the cell does not hold. Only what the classification decided:
 * how many orders a hanging venue had received by the time a timeout fired depends on timing.
 */
function cellText(result: CellResult): string {
  const first = result.verdicts[0];
  const action = first === undefined ? 'value' : first.action;
  return result.problems.length === 0 ? action : `✗ ${action}`;
}

/**
 * The matrix as a markdown table: a row per client and failure, a column per configuration,
 * from the runs with a looking-up `reconcile`.
 */
export function matrixTable(results: readonly CellResult[]): string {
  const lookups = results.filter((r) => r.mode === 'lookup');
  const held = results.filter((r) => r.problems.length === 0).length;
  const rows = new Map<string, Map<string, CellResult>>();
  for (const result of lookups) {
    const key = `${result.client} | ${result.failure}`;
    const row = rows.get(key) ?? new Map<string, CellResult>();
    row.set(result.config, result);
    rows.set(key, row);
  }
  const configs = CONFIGS.map(([name]) => name);
  const lines = [
    '<!-- Generated by test/safety/matrix.test.ts (WRITE_SAFETY_MATRIX=1 npx vitest run test/safety/matrix.test.ts). Do not edit. -->',
    '',
    `# Unknown-outcome safety matrix`,
    '',
    `${held} of ${results.length} cells hold (${lookups.length} with a reconcile that looks the order up, ${results.length - lookups.length} without reconcile). Every cell places one order (or sends one transaction) with \`idempotent: false\` against a local venue that counts executions server-side.`,
    '',
    'Each entry is the verdict on the first failure: `unknown` (may have executed: `reconcile` was asked, and the order was sent again only when it answered `not-executed`), `retry` (known not to have executed: sent again), `fail` (rejected at once, not sent again), `value` (the client returned the response as a value and no rule gave a verdict, e.g. fetch with a 5xx and no HTTP classifier: resolved, not sent again). In every cell the venue executed the order at most once unless `reconcile` answered `not-executed`, `reconcile` ran for every unknown verdict, and `onUnknownOutcome` fired with the resolution `reconcile` gave. `✗` would mark a cell that does not hold.',
    '',
    `| client | failure | ${configs.join(' | ')} |`,
    `| --- | --- | ${configs.map(() => '---').join(' | ')} |`,
  ];
  for (const [key, row] of rows) {
    lines.push(
      `| ${key} | ${configs.map((c) => (row.has(c) ? cellText(row.get(c)!) : '')).join(' | ')} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
