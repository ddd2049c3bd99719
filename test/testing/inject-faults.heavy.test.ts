import { createServer } from 'node:http';
import { Agent, fetch as undiciFetch } from 'undici';
import { expect, it } from 'vitest';
import { httpClassifier } from '../../src/http/index.js';
import { defaultClassifier } from '../../src/index.js';
import { injectFaults } from '../../src/testing/index.js';
import { listenOnLoopback } from '../helpers/listen.js';

/** Real time: undici checks `headersTimeout` on a timer wheel of about 1 s. */
it('timeout-after-send gets the verdicts of a real undici headers timeout', async () => {
  const server = await listenOnLoopback(createServer((req) => req.resume()));
  const dispatcher = new Agent({ headersTimeout: 20 });
  const real: unknown = await undiciFetch(`${server.url}/hang`, {
    method: 'POST',
    dispatcher,
  }).then(
    () => undefined,
    (err: unknown) => err,
  );
  await dispatcher.destroy();
  await server.close();
  const imitation: unknown = await injectFaults(async () => 1, ['timeout-after-send'])().catch(
    (err: unknown) => err,
  );
  const verdicts = (error: unknown) => [
    defaultClassifier({ ok: false, error }),
    httpClassifier()({ ok: false, error }),
  ];
  expect(verdicts(imitation)).toEqual(verdicts(real));
  expect(verdicts(real)).toEqual([
    { action: 'unknown', reason: 'unclassified' },
    { action: 'unknown', reason: 'network:UND_ERR_HEADERS_TIMEOUT' },
  ]);
});
