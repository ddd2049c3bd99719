import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_CLASSIFIED_BODY_CHARS,
  isFetchResponse,
  readOutcomeBody,
} from '../../src/core/response-body.js';
import {
  constant,
  readsResponseBody,
  responseBodyText,
  retry,
  type Classifier,
  type Verdict,
} from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';
import { listenOnLoopback } from '../helpers/listen.js';

/** A venue that answers HTTP 200 with its error code in the body, as OKX and Bybit do. */
let venue: { url: string; close: () => Promise<void> };
let requests = 0;
beforeAll(async () => {
  venue = await listenOnLoopback(
    createServer((req, res) => {
      requests++;
      res.setHeader('content-type', 'application/json');
      if (req.url === '/busy-then-ok') {
        res.end(requests % 2 === 1 ? '{"code":"50013","msg":"busy"}' : '{"code":"0","data":[1]}');
      } else if (req.url === '/large') {
        res.end(JSON.stringify({ code: '0', data: 'x'.repeat(MAX_CLASSIFIED_BODY_CHARS) }));
      } else {
        res.end('{"code":"0","data":[1]}');
      }
    }),
  );
});
afterAll(() => venue.close());

/** Retries a body whose `code` is 50013, as a venue classifier would. */
const byBodyCode: Classifier = readsResponseBody((outcome): Verdict | undefined => {
  if (!outcome.ok) return undefined;
  const text = responseBodyText(outcome.value);
  if (text === undefined) return undefined;
  const code = (JSON.parse(text) as { code?: string }).code;
  return code === '50013' ? { action: 'retry', reason: 'venue:50013' } : undefined;
});

describe('classifiers that read Response bodies', () => {
  it('retries an HTTP 200 whose body carries a retryable code, then resolves with an unread Response', async () => {
    requests = 0;
    const clock = instantClock();
    const response = await retry(() => fetch(`${venue.url}/busy-then-ok`), {
      classify: byBodyCode,
      backoff: constant(100),
      clock,
    });
    expect(requests).toBe(2);
    expect(clock.sleeps).toEqual([100]);
    expect(response.bodyUsed).toBe(false);
    expect(await response.json()).toEqual({ code: '0', data: [1] });
  });

  it('does not read a body when no classifier of the run reads bodies', async () => {
    const seen: (string | undefined)[] = [];
    const response = await retry(() => fetch(`${venue.url}/ok`), {
      classify: (outcome) => {
        if (outcome.ok) seen.push(responseBodyText(outcome.value));
        return undefined;
      },
    });
    expect(seen).toEqual([undefined]);
    expect(await response.text()).toBe('{"code":"0","data":[1]}');
  });

  it('finds the body of a Response carried by a thrown error', async () => {
    const thrownWith = async () => {
      const response = await fetch(`${venue.url}/ok`);
      throw Object.assign(new Error('HTTP error'), { response });
    };
    let text: string | undefined;
    const reader = readsResponseBody((outcome) => {
      if (!outcome.ok) text = responseBodyText((outcome.error as { response: unknown }).response);
      return { action: 'fail', reason: 'seen' };
    });
    await expect(retry(thrownWith, { classify: reader })).rejects.toThrow('HTTP error');
    expect(text).toBe('{"code":"0","data":[1]}');
  });

  it('keeps no text for a body larger than the classification limit', async () => {
    let text: string | undefined = 'unset';
    await retry(() => fetch(`${venue.url}/large`), {
      classify: readsResponseBody((outcome) => {
        if (outcome.ok) text = responseBodyText(outcome.value);
        return undefined;
      }),
    });
    expect(text).toBeUndefined();
  });

  it('leaves a Response whose body was already used unread', async () => {
    const response = await fetch(`${venue.url}/ok`);
    await response.text();
    await readOutcomeBody(false, response);
    expect(responseBodyText(response)).toBeUndefined();
  });

  it('treats objects with a hostile getter as not a Response', () => {
    const hostile = Object.defineProperty({}, 'status', {
      get() {
        throw new Error('boom');
      },
    });
    expect(isFetchResponse(hostile)).toBe(false);
    expect(responseBodyText(hostile)).toBeUndefined();
  });
});
