import { describe, expect, it } from 'vitest';
import { alertText } from '../../src/alerts/message.js';
import type { ExhaustedEvent, UnknownOutcomeEvent } from '../../src/index.js';

const ctx = { host: 'bot-1', nowMs: 0, secrets: [] };

describe('alert text for hand-built events', () => {
  // Alert listeners are plain functions: a service may call one with an event it built itself.
  it('says unknown for a reason that is a name of Object, never prints a function', () => {
    const event = {
      operation: 'place_order',
      attempts: 3,
      elapsedMs: 1200,
      error: new Error('boom'),
      verdict: { action: 'retry', reason: 'http:502' },
      reason: 'constructor',
    } as unknown as ExhaustedEvent;
    const text = alertText(event, ctx);
    expect(text).toContain('Gave up: constructor (unknown)');
    expect(text).not.toContain('function');
  });

  it('says unknown for a resolution that is a name of Object', () => {
    const event = {
      operation: 'place_order',
      attempt: 1,
      elapsedMs: 10,
      verdict: { action: 'unknown', reason: 'http:503' },
      error: new Error('boom'),
      resolution: 'toString',
    } as unknown as UnknownOutcomeEvent;
    const text = alertText(event, ctx);
    expect(text).toContain('OUTCOME UNKNOWN: place_order (toString)');
    expect(text).not.toContain('function');
  });
});
