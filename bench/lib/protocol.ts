/**
 * How a scenario process talks to the orchestrator: arguments in, one JSON line out. Anything
 * else a child prints (warnings, its own progress) is ignored by the parser.
 */
export const RESULT_MARKER = '@@tenacious-bench@@ ';

export interface ChildArgs {
  /** Rotation of the row order: row i runs at position (i + rotate) mod n. */
  rotate: number;
  /** Fewer iterations, for CI. */
  quick: boolean;
  /** S4: the one row measured by this process. */
  row: string | undefined;
}

export function parseChildArgs(argv: readonly string[] = process.argv.slice(2)): ChildArgs {
  const get = (name: string) =>
    argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  return {
    rotate: Number(get('rotate') ?? 0),
    quick: argv.includes('--quick'),
    row: get('row'),
  };
}

/** Rotates a list so that each process run starts with a different row. */
export function rotate<T>(items: readonly T[], by: number): T[] {
  const n = items.length;
  if (n === 0) return [];
  const k = ((by % n) + n) % n;
  return [...items.slice(k), ...items.slice(0, k)];
}

/** Writes the scenario's result for the orchestrator. */
export function emitResult(result: unknown): void {
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
}

/** Finds the result line in a child's output. */
export function parseResult<T>(stdout: string): T | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
  return line === undefined ? undefined : (JSON.parse(line.slice(RESULT_MARKER.length)) as T);
}

/** One row of a scenario's result: its identity, its configuration and its numbers. */
export interface ResultRow {
  readonly id: string;
  /** Rows are compared within a group (S6: the success and the three-failure workloads). */
  readonly group?: string;
  readonly config: string;
  readonly metrics: Readonly<Record<string, number>>;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly rows: readonly ResultRow[];
}
