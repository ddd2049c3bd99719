import * as z from 'zod';

/**
 * The serialisable part of the retry options, as data: what a JSON or YAML file, or a config
 * service, can hold. Every complaint states the rule in the wording of the options' own
 * validation (`expected a number >= 0`), so an error in a file reads like an error in code.
 */

/** zod's `error` parameter for a rule: every complaint about the value states it. */
const expected = (rule: string) => ({ error: `expected ${rule}` });

/** Numbers that may be unbounded. JSON has no Infinity: the string "Infinity" stands for it (YAML's `.inf` is the number). */
const orInfinity = (schema: z.ZodNumber, rule: string) =>
  z.union([schema, z.literal('Infinity'), z.literal(Infinity)], expected(rule));

const nonNegative = () => z.number(expected('a number >= 0')).min(0, expected('a number >= 0'));

const nonNegativeOrInfinity = () =>
  orInfinity(
    z.number(expected('a number >= 0 or Infinity')).min(0, expected('a number >= 0 or Infinity')),
    'a number >= 0 or Infinity',
  );

/** An object with exactly these keys: a misspelt key is an error, not a silently ignored setting. */
const strict = <S extends z.ZodRawShape>(shape: S) =>
  z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown key; expected one of ${Object.keys(shape).join(', ')}`
        : 'expected an object',
  });

/**
 * Complaints of a tagged union: about a value that is not an object, or about its tag. (zod types
 * the issue as a bad union, but reports a value that is not an object as a bad type.)
 */
const tagged = (notAnObject: string, badTag: string) => ({
  error: (issue: { readonly code?: string }) =>
    issue.code === 'invalid_type' ? notAnObject : badTag,
});

/**
 * Jitter around the base delay, as `jitter(backoff, { mode, ratio, amount })` (src/core/backoff.ts).
 * `{ mode: none }`, like no `jitter` key, means none. Always an object, so that a bad `ratio` or a
 * missing `amount` is reported at its own path.
 */
const jitterSchema = z.discriminatedUnion(
  'mode',
  [
    strict({ mode: z.literal('none') }),
    strict({ mode: z.literal('full') }),
    strict({ mode: z.literal('equal') }),
    strict({
      mode: z.literal('proportional'),
      ratio: z
        .number(expected('a number in [0, 1]'))
        .min(0, expected('a number in [0, 1]'))
        .max(1, expected('a number in [0, 1]'))
        .optional(),
    }),
    strict({ mode: z.literal('additive'), amount: nonNegative() }),
  ],
  tagged(
    'expected a jitter object { mode, ratio?, amount? }',
    'expected one of none, full, equal, proportional, additive',
  ),
);

/** Wrappers every backoff kind may have: `jitter(…)` then `cap(…, cap)`. */
const wrappers = {
  jitter: jitterSchema.optional(),
  cap: nonNegativeOrInfinity().optional(),
};

const KINDS = ['exponential', 'constant', 'linear', 'sequence', 'decorrelated'] as const;

/** The backoff as data: `kind` names the strategy of src/core/backoff.ts, the other keys are its arguments. */
const backoffSchema = z.discriminatedUnion(
  'kind',
  [
    strict({
      kind: z.literal('exponential'),
      initial: nonNegative().optional(),
      factor: z.number(expected('a number >= 1')).min(1, expected('a number >= 1')).optional(),
      max: nonNegativeOrInfinity().optional(),
      ...wrappers,
    }),
    strict({ kind: z.literal('constant'), ms: nonNegative(), ...wrappers }),
    strict({
      kind: z.literal('linear'),
      initial: nonNegative().optional(),
      step: nonNegative().optional(),
      max: nonNegativeOrInfinity().optional(),
      ...wrappers,
    }),
    strict({
      kind: z.literal('sequence'),
      delaysMs: z
        .array(nonNegative(), expected('a non-empty array of numbers >= 0'))
        .min(1, expected('a non-empty array of numbers >= 0')),
      ...wrappers,
    }),
    strict({
      kind: z.literal('decorrelated'),
      initial: nonNegative().optional(),
      max: nonNegativeOrInfinity().optional(),
      ...wrappers,
    }),
  ],
  tagged('expected a backoff object { kind, … }', `expected one of ${KINDS.join(', ')}`),
);

/**
 * The zod schema of one retry policy as data: `operation`, `maxAttempts`, `backoff` (as
 * `{ kind, …, jitter?, cap? }`), `maxElapsedMs`, `attemptTimeoutMs`, `maxRetryAfterMs`,
 * `idempotent`. Every key is optional; unknown keys are rejected. Compose it into the schema of
 * a whole file (`z.record(z.string(), retryConfigSchema)`), or turn its JSON Schema out for a
 * config editor with `z.toJSONSchema(retryConfigSchema)`. {@link optionsFromConfig} validates
 * with it and builds the real options.
 */
export const retryConfigSchema = strict({
  operation: z
    .string(expected('a non-empty string'))
    .min(1, expected('a non-empty string'))
    .optional(),
  maxAttempts: orInfinity(
    z.int(expected('an integer >= 1 or Infinity')).min(1, expected('an integer >= 1 or Infinity')),
    'an integer >= 1 or Infinity',
  ).optional(),
  backoff: backoffSchema.optional(),
  maxElapsedMs: nonNegativeOrInfinity().optional(),
  attemptTimeoutMs: z
    .number(expected('a number > 0 and <= 2147483647'))
    .gt(0, expected('a number > 0 and <= 2147483647'))
    .max(2 ** 31 - 1, expected('a number > 0 and <= 2147483647'))
    .optional(),
  maxRetryAfterMs: nonNegativeOrInfinity().optional(),
  idempotent: z.boolean(expected('a boolean')).optional(),
});

/** One retry policy as data, the input of {@link optionsFromConfig} (what a JSON/YAML file holds). */
export type RetryConfig = z.input<typeof retryConfigSchema>;

/** The backoff part of a {@link RetryConfig}. */
export type BackoffConfig = z.output<typeof backoffSchema>;
