import { Writable } from 'node:stream';
import pino from 'pino';

/** A real pino logger writing JSON lines into memory, for asserting log fields and redaction. */
export function captureLogger(level: pino.LevelWithSilent = 'debug') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const logger = pino({ level }, stream);
  return {
    logger,
    lines,
    records: () => lines.map((line) => JSON.parse(line) as Record<string, any>),
    text: () => lines.join('\n'),
  };
}
