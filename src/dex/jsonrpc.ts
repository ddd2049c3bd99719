import { markClassifierFactory } from '../core/classifier-factory.js';
import { findNetworkFailure, networkVerdict } from '../transport/network.js';
import { safeGet } from '../core/redaction/redact.js';
import type { Classifier, Outcome, Verdict } from '../core/types.js';
import {
  errorGraph,
  errorNames,
  ethersCode,
  httpStatus,
  nodeText,
  numericCode,
  requestedDelayMs,
} from './graph.js';
import {
  ETHERS_FALLBACKS,
  ETHERS_RULES,
  JSON_RPC_CODES,
  NODE_MESSAGES,
  RATE_LIMIT_MESSAGES,
  VIEM_FALLBACKS,
  VIEM_RULES,
  httpStatusRule,
  type JsonRpcRule,
} from './jsonrpc-rules.js';

/**
 * A `retry` or `unknown` verdict gets the server-requested delay, if the graph holds one (a 503's
 * Retry-After holds for a read that retries it).
 */
function finish(rule: JsonRpcRule, nodes: readonly unknown[]): Verdict {
  const verdict: Verdict = { action: rule.action, reason: rule.reason };
  if (rule.action !== 'fail') {
    const delay = requestedDelayMs(nodes, Date.now());
    if (delay !== undefined) verdict.retryAfterMs = delay;
  }
  return verdict;
}

function matchText(nodes: readonly unknown[], table: readonly (readonly [RegExp, JsonRpcRule])[]) {
  for (const node of nodes) {
    const text = nodeText(node);
    if (text === undefined || text === '') continue;
    for (const [pattern, rule] of table) {
      if (pattern.test(text)) return rule;
    }
  }
  return undefined;
}

/** True for a viem error: its prototype chain holds viem's `BaseError`, which has `walk()`. */
function viemNames(node: unknown): string[] | undefined {
  if (typeof safeGet(node, 'walk') !== 'function') return undefined;
  const names = errorNames(node);
  return names.includes('BaseError') || typeof safeGet(node, 'shortMessage') === 'string'
    ? names
    : undefined;
}

/**
 * The verdict for a thrown value (or a returned JSON-RPC error envelope), trying in order:
 * 1. a JSON-RPC code with a fixed meaning (-32005, 429, 3, 4001…) anywhere in the graph;
 * 2. a node message ("already known", "nonce too low", "header not found"…);
 * 3. ethers' `code` and 4. viem's class names;
 * 5. the HTTP status; 6. a rate limit worded in the body;
 * 7. codes whose meaning is the message's (-32000, -32003, -32603, -1), unrecognised message;
 * 8. a socket failure (before or after sending);
 * 9. ethers' and viem's generic wrappers (`SERVER_ERROR`, `HttpRequestError`…).
 *
 * @example
 * ```ts
 * classifyJsonRpcError({ code: -32000, message: 'header not found' });
 * // { action: 'retry', reason: 'jsonrpc:header-not-found' }
 * ```
 */
export function classifyJsonRpcError(error: unknown): Verdict | undefined {
  const nodes = errorGraph(error);
  if (nodes.length === 0) return undefined;

  let byMessage: JsonRpcRule | undefined;
  for (const node of nodes) {
    const code = numericCode(node);
    if (code === undefined) continue;
    const rule = JSON_RPC_CODES.get(code);
    if (rule === undefined) continue;
    if (rule.byMessage) byMessage ??= rule;
    else return finish(rule, nodes);
  }

  const message = matchText(nodes, NODE_MESSAGES);
  if (message !== undefined) return finish(message, nodes);

  let deferred: JsonRpcRule | undefined;
  for (const node of nodes) {
    const code = ethersCode(node);
    if (code === undefined) continue;
    const rule = ETHERS_RULES.get(code);
    if (rule === 'defer') deferred ??= ETHERS_FALLBACKS.get(code);
    else if (rule !== undefined) return finish(rule, nodes);
  }
  for (const node of nodes) {
    const names = viemNames(node);
    if (names === undefined) continue;
    for (const name of names) {
      const rule = VIEM_RULES.get(name);
      if (rule === undefined) continue;
      if (rule === 'defer') deferred ??= VIEM_FALLBACKS.get(name);
      else return finish(rule, nodes);
      break;
    }
  }

  for (const node of nodes) {
    const status = httpStatus(node);
    if (status === undefined) continue;
    const rule = httpStatusRule(status);
    if (rule !== undefined) return finish(rule, nodes);
  }

  const rateLimit = matchText(nodes, RATE_LIMIT_MESSAGES);
  if (rateLimit !== undefined) return finish(rateLimit, nodes);

  if (byMessage !== undefined) return finish(byMessage, nodes);

  // Connect-phase failures never reached the node: safe to resend, even a transaction. After
  // sending: unknown.
  const network = findNetworkFailure(error);
  if (network !== undefined) return networkVerdict(network);

  return deferred === undefined ? undefined : finish(deferred, nodes);
}

/**
 * The verdict of a returned JSON-RPC response `{ jsonrpc: '2.0', error: { code, message } }`
 * (raw fetch users); undefined for a result.
 *
 * @example
 * ```ts
 * classifyJsonRpcValue({ jsonrpc: '2.0', id: 1, error: { code: -32005, message: 'limit exceeded' } });
 * // { action: 'retry', reason: 'jsonrpc:-32005' }
 * ```
 */
export function classifyJsonRpcValue(value: unknown): Verdict | undefined {
  if (value === null || typeof value !== 'object' || safeGet(value, 'jsonrpc') !== '2.0')
    return undefined;
  const error = safeGet(value, 'error');
  if (error === null || typeof error !== 'object') return undefined;
  return classifyJsonRpcError(error);
}

/**
 * Classifies EVM JSON-RPC failures however the client library carries them: EIP-1474 codes
 * (-32700…-32603, -32000…-32006; -32005 waits, honouring Infura's `data.backoff_seconds` and
 * `Retry-After`), provider 429s and their in-body variants (`{ code: 429 }`, -32007, "request
 * rate exceeded"), node messages ("nonce too low", "replacement transaction underpriced",
 * "already known", "insufficient funds", "execution reverted", "header not found"), ethers v6
 * `code`s (with the node's error in `error` / `info.error`), viem's error classes along the
 * `cause` chain, HTTP statuses and socket errors. A returned `{ jsonrpc: '2.0', error }` envelope
 * is classified too. Never throws.
 *
 * Verdicts that mean "may have executed" are `unknown`: run sends with `idempotent: false`
 * (`dexPresets.evmSend`) so that they are reconciled instead of signed twice.
 * `jsonrpc:already-known` is a `fail`: the same signed transaction is already in the pool (the
 * earlier broadcast worked), so wait for its receipt rather than re-sending.
 *
 * @example
 * ```ts
 * import { retry } from 'tenacious';
 * import { jsonRpcClassifier } from 'tenacious/dex';
 *
 * const block = await retry(() => provider.getBlockNumber(), { classify: jsonRpcClassifier() });
 * ```
 */
export function jsonRpcClassifier(): Classifier {
  return (outcome: Outcome) => {
    try {
      return outcome.ok ? classifyJsonRpcValue(outcome.value) : classifyJsonRpcError(outcome.error);
    } catch {
      // Defence in depth: every read above is guarded, but a classifier must never throw.
      return undefined;
    }
  };
}

// Passing `jsonRpcClassifier` uncalled as `classify` is refused with a message saying to call it.
markClassifierFactory(jsonRpcClassifier);
