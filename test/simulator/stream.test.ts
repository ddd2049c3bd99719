import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { startVenue, type Venue, type VenueName } from '../../src/simulator/index.js';

/** The simulator's market stream with the real `ws` client. */

let venues: Venue[] = [];
afterEach(async () => {
  await Promise.all(venues.map((v) => v.close()));
  venues = [];
});
async function start(venue: VenueName, pingIntervalMs?: number): Promise<Venue> {
  const started = await startVenue({ venue, stream: { intervalMs: 2, pingIntervalMs } });
  venues.push(started);
  return started;
}

/** A client that keeps every text message it receives. */
async function connect(venue: Venue) {
  const ws = new WebSocket(venue.wsUrl!);
  const messages: string[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data: Buffer) => {
    messages.push(data.toString());
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  /** Resolves once a message matching `test` has arrived. */
  const until = async (test: (m: string) => boolean) => {
    while (!messages.some(test)) await new Promise<void>((resolve) => waiters.push(resolve));
    return messages.find(test)!;
  };
  return { ws, messages, until };
}

const seqs = (messages: string[]) =>
  messages.flatMap((m) => {
    try {
      const seq = (JSON.parse(m) as { seq?: number }).seq;
      return seq === undefined ? [] : [seq];
    } catch {
      return [];
    }
  });

describe('venue.stream', () => {
  it('sends numbered messages in the venue shape, in order', async () => {
    const venue = await start('binance-spot');
    const client = await connect(venue);
    await client.until(() => seqs(client.messages).length >= 3);
    const [first, second] = seqs(client.messages);
    expect([second! - first!, JSON.parse(client.messages[0]!).e]).toEqual([1, 'trade']);
    client.ws.close();
  });

  it('has no stream, and no wsUrl, unless asked', async () => {
    const venue = await startVenue({ venue: 'okx' });
    venues.push(venue);
    expect([venue.wsUrl, venue.stream]).toEqual([undefined, undefined]);
  });

  it('answers OKX text ping with pong', async () => {
    const client = await connect(await start('okx'));
    client.ws.send('ping');
    expect(await client.until((m) => m === 'pong')).toBe('pong');
    client.ws.close();
  });

  it('answers Bybit {"op":"ping"} with a pong op', async () => {
    const client = await connect(await start('bybit'));
    client.ws.send(JSON.stringify({ op: 'ping', req_id: '7' }));
    const pong = JSON.parse(await client.until((m) => m.includes('"op":"ping"')));
    expect([pong.ret_msg, pong.req_id, pong.success]).toEqual(['pong', '7', true]);
    client.ws.close();
  });

  it('pings Binance clients', async () => {
    const client = await connect(await start('binance-futures', 5));
    await new Promise<void>((resolve) => client.ws.once('ping', () => resolve()));
    client.ws.close();
  });

  it('drop() ends every connection without a close frame (1006)', async () => {
    const venue = await start('okx');
    const client = await connect(venue);
    const closed = new Promise<number>((resolve) =>
      client.ws.once('close', (code) => resolve(code)),
    );
    venue.stream!.drop();
    expect([await closed, venue.stream!.connections]).toEqual([1006, 0]);
  });

  it('silence() keeps a connection open and sends it nothing more', async () => {
    const venue = await start('okx');
    const silent = await connect(venue);
    await silent.until(() => seqs(silent.messages).length >= 1);
    venue.stream!.silence();
    const countAtSilence = silent.messages.length;
    silent.ws.send('ping');
    const other = await connect(venue);
    await other.until(() => seqs(other.messages).length >= 3);
    // Messages already in flight at silence() may still land: at most one.
    expect(silent.messages.length - countAtSilence).toBeLessThanOrEqual(1);
    expect([silent.messages.includes('pong'), silent.ws.readyState]).toEqual([
      false,
      WebSocket.OPEN,
    ]);
    silent.ws.close();
    other.ws.close();
  });

  it.each([
    ['binance-spot', (m: any) => m.e === 'serverShutdown'],
    ['okx', (m: any) => m.event === 'notice' && m.code === '64008'],
    ['bybit', (m: any) => m.retCode === 10019],
  ] as const)('shutdownNotice() sends %s its notice', async (name, test) => {
    const venue = await start(name);
    const client = await connect(venue);
    venue.stream!.shutdownNotice();
    await client.until((m) => test(JSON.parse(m)));
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    client.ws.close();
  });

  it('refuse(429) answers new handshakes with 429 and Retry-After until accept()', async () => {
    const venue = await start('bybit');
    venue.stream!.refuse(429);
    const ws = new WebSocket(venue.wsUrl!);
    const response = await new Promise<{ status?: number; retryAfter?: string }>((resolve) => {
      ws.once('unexpected-response', (_req, res) =>
        resolve({ status: res.statusCode, retryAfter: res.headers['retry-after'] }),
      );
      ws.once('error', () => undefined);
    });
    venue.stream!.accept();
    const client = await connect(venue);
    expect([response, client.ws.readyState]).toEqual([
      { status: 429, retryAfter: '1' },
      WebSocket.OPEN,
    ]);
    client.ws.close();
  });

  it('close() ends open stream connections', async () => {
    const venue = await startVenue({ venue: 'binance-spot', stream: true });
    const client = await connect(venue);
    const closed = new Promise<number>((resolve) =>
      client.ws.once('close', (code) => resolve(code)),
    );
    await venue.close();
    expect(await closed).toBe(1006);
  });

  it('names a bad refuse status', async () => {
    const venue = await start('okx');
    expect(() => venue.stream!.refuse(200)).toThrow(
      new RangeError('venue.stream.refuse: status: expected an integer >= 400 and <= 599, got 200'),
    );
  });
});
