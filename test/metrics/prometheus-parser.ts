/**
 * A tiny parser of the Prometheus text exposition format, strict enough to catch malformed
 * output: every sample must follow its family's `# TYPE` line, label values must be quoted with
 * only the three legal escapes, and the text must end with a newline. Empty lines are skipped.
 */
export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedExposition {
  help: Map<string, string>;
  type: Map<string, string>;
  samples: ParsedSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', n: '\n' };

export function parsePrometheus(text: string): ParsedExposition {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  const samples: ParsedSample[] = [];
  for (const line of text.slice(0, -1).split('\n')) {
    // "Empty lines are ignored" (exposition formats, text format); prom-client separates families with one.
    if (line === '') continue;
    if (line.startsWith('# HELP ')) {
      const [name, ...rest] = line.slice(7).split(' ');
      help.set(
        name!,
        rest.join(' ').replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\')),
      );
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [name, kind] = line.slice(7).split(' ');
      type.set(name!, kind!);
      continue;
    }
    const name = NAME.exec(line)?.[0];
    if (name === undefined) throw new Error(`bad line: ${JSON.stringify(line)}`);
    if (!type.has(name)) throw new Error(`sample before its # TYPE: ${name}`);
    let rest = line.slice(name.length);
    const labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      rest = rest.slice(1);
      while (!rest.startsWith('}')) {
        const labelName = LABEL_NAME.exec(rest)?.[0];
        if (
          labelName === undefined ||
          rest[labelName.length] !== '=' ||
          rest[labelName.length + 1] !== '"'
        ) {
          throw new Error(`bad label in ${JSON.stringify(line)}`);
        }
        rest = rest.slice(labelName.length + 2);
        let value = '';
        for (;;) {
          const c = rest[0];
          if (c === undefined)
            throw new Error(`unterminated label value in ${JSON.stringify(line)}`);
          rest = rest.slice(1);
          if (c === '"') break;
          if (c === '\\') {
            const escaped = ESCAPES[rest[0] ?? ''];
            if (escaped === undefined) throw new Error(`bad escape in ${JSON.stringify(line)}`);
            value += escaped;
            rest = rest.slice(1);
          } else {
            value += c;
          }
        }
        labels[labelName] = value;
        if (rest.startsWith(',')) rest = rest.slice(1);
        else if (!rest.startsWith('}'))
          throw new Error(`bad label separator in ${JSON.stringify(line)}`);
      }
      rest = rest.slice(1);
    }
    if (!rest.startsWith(' ')) throw new Error(`missing value in ${JSON.stringify(line)}`);
    const value = Number(rest.slice(1));
    if (rest.slice(1) === '' || Number.isNaN(value))
      throw new Error(`bad value in ${JSON.stringify(line)}`);
    samples.push({ name, labels, value });
  }
  return { help, type, samples };
}
