/**
 * Counters keyed by label values. Plain maps, no dependencies: one counter per metric, one entry
 * per distinct set of label values.
 */

/** One counter value and its labels. */
export interface CounterSample<L extends string = string> {
  labels: Readonly<Record<L, string>>;
  value: number;
}

/**
 * A monotonically increasing counter with a fixed list of label names.
 *
 * @example
 * ```ts
 * const retries = new LabelledCounter(['operation'] as const);
 * retries.inc({ operation: 'place_order' });
 * retries.samples(); // [{ labels: { operation: 'place_order' }, value: 1 }]
 * ```
 */
export class LabelledCounter<L extends string> {
  readonly #samples = new Map<string, { labels: Record<L, string>; value: number }>();

  constructor(readonly labelNames: readonly L[]) {}

  /** Adds `by` (default 1) to the sample with these label values. */
  inc(labels: Record<L, string>, by = 1): void {
    const key = this.labelNames.map((name) => labels[name]).join('\u0000');
    const sample = this.#samples.get(key);
    if (sample === undefined) this.#samples.set(key, { labels: { ...labels }, value: by });
    else sample.value += by;
  }

  /** Copies of every sample, in first-seen order. */
  samples(): CounterSample<L>[] {
    return [...this.#samples.values()].map((s) => ({ labels: { ...s.labels }, value: s.value }));
  }
}

/**
 * Keeps a label's distinct values bounded: the first `max` distinct values are kept, later ones
 * become `other`. Values longer than `maxLength` are cut.
 *
 * @example
 * ```ts
 * const operations = new BoundedLabel(1);
 * operations.value('a'); // 'a'
 * operations.value('b'); // 'other'
 * ```
 */
export class BoundedLabel {
  readonly #seen = new Set<string>();

  constructor(
    readonly max: number,
    readonly maxLength = 200,
    readonly overflow = 'other',
  ) {}

  /** The label value to record for `raw`. */
  value(raw: unknown): string {
    let text = typeof raw === 'string' ? raw : String(raw);
    if (text.length > this.maxLength) text = text.slice(0, this.maxLength);
    if (this.#seen.has(text)) return text;
    if (this.#seen.size >= this.max) return this.overflow;
    this.#seen.add(text);
    return text;
  }
}
