import { describe, expect, it } from 'vitest';
import { DUPLICATE_CLIENT_ORDER_ID, retry } from '../../src/index.js';
import { OKX_CODES, okxClassifier, okxCodeRule, parseOkxError } from '../../src/okx/index.js';
import { instantClock } from '../../src/testing/index.js';

const body = (code: string, msg = '', data: unknown[] = []) => ({ code, msg, data });
const order = (...sCodes: string[]) =>
  body(
    sCodes.every((s) => s === '0') ? '0' : sCodes.some((s) => s === '0') ? '2' : '1',
    '',
    sCodes.map((sCode, i) => ({ clOrdId: `c${i}`, ordId: '', sCode, sMsg: `item ${sCode}` })),
  );
const thrown = (error: unknown, options?: Parameters<typeof okxClassifier>[0]) =>
  okxClassifier(options)({ ok: false, error });

describe('okxClassifier: the codes of reference/venues.md §4', () => {
  it.each([
    ['50011', 'retry'],
    ['50061', 'retry'],
    ['50013', 'retry'],
    ['50004', 'unknown'],
    ['51149', 'unknown'],
    ['51054', 'unknown'],
    ['50026', 'unknown'],
    ['50102', 'retry'],
    ['50105', 'fail'],
    ['50110', 'fail'],
    ['50111', 'fail'],
    ['50112', 'fail'],
    ['50113', 'fail'],
    ['50114', 'fail'],
    ['51000', 'fail'],
    ['51008', 'fail'],
    ['51131', 'fail'],
    ['51400', 'fail'],
  ] as const)('gives a thrown %s the verdict %s with reason okx:<code>', (code, action) => {
    expect(thrown(body(code, 'x'))).toEqual({ action, reason: `okx:${code}` });
  });

  it.each(['51016', '50071'])(
    'treats a duplicate client order id %s as unknown with reason duplicate-client-order-id',
    (code) => {
      expect(thrown(body(code, 'Client order ID already exists.'))).toEqual({
        action: 'unknown',
        reason: DUPLICATE_CLIENT_ORDER_ID,
      });
    },
  );

  it('treats 50001 as unknown when nothing says the call is a read', () => {
    expect(thrown(body('50001', 'Service temporarily unavailable.'))).toEqual({
      action: 'unknown',
      reason: 'okx:50001',
    });
  });

  it('retries 50001 on a read (write: false)', () => {
    expect(thrown(body('50001', 'x'), { write: false })).toEqual({
      action: 'retry',
      reason: 'okx:50001',
    });
  });

  it('retries 50001 when the carrier shows a GET', () => {
    const axiosLike = { config: { method: 'get' }, response: { status: 503, data: body('50001') } };
    expect(thrown(axiosLike)).toEqual({ action: 'retry', reason: 'okx:50001' });
  });

  it('treats a code the reference does not name as unknown', () => {
    expect(thrown(body('58350', 'Insufficient balance for withdrawal.'))).toEqual({
      action: 'unknown',
      reason: 'okx:58350',
    });
  });

  it('leaves a Binance body (numeric code) alone', () => {
    expect(thrown({ code: -2010, msg: 'Duplicate order sent.' })).toBeUndefined();
  });

  it('names every reference code in OKX_CODES', () => {
    const codes = ['50011', '50061', '50013', '50001', '50004', '51149', '51054', '50026'];
    const more = ['50102', '50105', '50110', '50111', '50112', '50113', '50114', '51000'];
    for (const code of [...codes, ...more, '51008', '51131', '51016', '50071']) {
      expect(OKX_CODES[code], code).toBeDefined();
    }
    expect(okxCodeRule('valueOf')).toBeUndefined();
    expect(okxCodeRule('51999')?.action).toBe('fail');
  });
});

describe('okxClassifier: order answers with per-item sCode', () => {
  it('gives a batch the most dangerous verdict among its items: unknown over retry over fail', () => {
    expect(thrown(order('51008', '50011', '51149'))).toEqual({
      action: 'unknown',
      reason: 'okx:51149',
    });
  });

  it('retries a batch whose worst item is a rate limit and none executed', () => {
    expect(thrown(order('51008', '50011'))).toEqual({ action: 'retry', reason: 'okx:50011' });
  });

  it('fails a batch whose failing items are all rejections, even beside successes', () => {
    expect(thrown(order('0', '51008'))).toEqual({ action: 'fail', reason: 'okx:51008' });
  });

  it('treats a retryable item beside an executed one as unknown: a resend would place it again', () => {
    expect(thrown(order('0', '50011'))).toEqual({ action: 'unknown', reason: 'okx:50011' });
  });

  it('gives a duplicate item the duplicate reason', () => {
    expect(thrown(order('51016'))).toEqual({
      action: 'unknown',
      reason: DUPLICATE_CLIENT_ORDER_ID,
    });
  });

  it('treats a returned success (code "0", every sCode "0") as a success', () => {
    expect(okxClassifier()({ ok: true, value: order('0', '0') })).toBeUndefined();
  });

  it('treats "1" without items as unknown', () => {
    expect(thrown(body('1', 'Operation failed.'))).toEqual({ action: 'unknown', reason: 'okx:1' });
  });
});

describe('okxClassifier: carriers', () => {
  it('reads the OKX body in a ccxt okx error message over ccxt’s class', () => {
    const error = Object.assign(
      new Error(
        'okx {"code":"1","data":[{"clOrdId":"a1","ordId":"","sCode":"51149","sMsg":"Order timed out."}],"msg":""}',
      ),
      { name: 'InvalidOrder' },
    );
    expect(thrown(error)).toEqual({ action: 'unknown', reason: 'okx:51149' });
  });

  it('treats okx-api’s thrown HTML page (status dropped) as unknown', () => {
    expect(thrown('<html><body>502 Bad Gateway</body></html>')).toEqual({
      action: 'unknown',
      reason: 'okx:no-code',
    });
  });

  it('reads a JSON body thrown as a string', () => {
    expect(thrown('{"code":"50011","msg":"Too Many Requests","data":[]}')).toEqual({
      action: 'retry',
      reason: 'okx:50011',
    });
  });

  it('finds an OKX body on the cause chain', () => {
    const error = new Error('place failed', { cause: body('50004', 'timeout') });
    expect(thrown(error)).toEqual({ action: 'unknown', reason: 'okx:50004' });
  });

  it('takes the Retry-After of a 429 carrying 50011', () => {
    const axiosLike = {
      response: { status: 429, headers: { 'retry-after': '3' }, data: body('50011') },
    };
    expect(thrown(axiosLike)).toEqual({ action: 'retry', reason: 'okx:50011', retryAfterMs: 3000 });
  });

  it('classifies a returned axios response with an OKX error body', () => {
    const response = { status: 200, headers: {}, config: { method: 'post' }, data: order('51008') };
    expect(okxClassifier()({ ok: true, value: response })).toEqual({
      action: 'fail',
      reason: 'okx:51008',
    });
  });

  it('gives no verdict to a returned string', () => {
    expect(okxClassifier()({ ok: true, value: '{"code":"50004"}' })).toBeUndefined();
  });

  it('refuses a write option that is not a boolean', () => {
    expect(() => okxClassifier({ write: 'yes' as never })).toThrow(
      new TypeError('okxClassifier: write: expected a boolean, got "yes"'),
    );
  });

  it('refuses a tracker without update(), naming the option and the value', () => {
    expect(() => okxClassifier({ tracker: { report: () => {} } as never })).toThrow(
      new TypeError(
        'okxClassifier: tracker: expected a tracker from okxRateLimitTracker(), got {}',
      ),
    );
  });

  it('refuses an empty endpoint with a RangeError naming it', () => {
    expect(() => okxClassifier({ endpoint: '' })).toThrow(
      new RangeError('okxClassifier: endpoint: expected a non-empty string, got ""'),
    );
  });

  it('is refused uncalled as classify', async () => {
    await expect(
      retry(() => 1, { classify: okxClassifier as never, clock: instantClock() }),
    ).rejects.toThrow(/okxClassifier/);
  });

  it('feeds the tracker the answer it judged, with the endpoint option', () => {
    const seen: unknown[] = [];
    const error = body('50011', 'Too Many Requests');
    okxClassifier({
      tracker: { update: (answer, endpoint) => void seen.push([answer, endpoint]) },
      endpoint: '/api/v5/trade/order',
    })({ ok: false, error });
    expect(seen).toEqual([[error, '/api/v5/trade/order']]);
  });

  it("names the endpoint by the carrier's URL over the endpoint option", () => {
    const seen: unknown[] = [];
    const error = {
      config: { method: 'post', url: 'https://www.okx.com/api/v5/trade/batch-orders' },
      response: { status: 429, headers: {}, data: body('50011') },
    };
    okxClassifier({
      tracker: { update: (_, endpoint) => void seen.push(endpoint) },
      endpoint: '/api/v5/trade/order',
    })({ ok: false, error });
    expect(seen).toEqual(['/api/v5/trade/batch-orders']);
  });

  it('feeds the tracker a returned success too, so it can end a streak', () => {
    const seen: unknown[] = [];
    const response = {
      status: 200,
      headers: {},
      config: { url: '/api/v5/trade/order' },
      data: order('0'),
    };
    const verdict = okxClassifier({
      tracker: { update: (answer, endpoint) => void seen.push([answer, endpoint]) },
    })({ ok: true, value: response });
    expect([verdict, seen]).toEqual([undefined, [[response, '/api/v5/trade/order']]]);
  });
});

describe('parseOkxError', () => {
  it('returns the deciding item of an order answer', () => {
    expect(parseOkxError(order('51008', '51149'))).toEqual({
      code: '1',
      msg: '',
      sCode: '51149',
      sMsg: 'item 51149',
    });
  });

  it('keeps the HTTP status an axios error carries', () => {
    expect(parseOkxError({ response: { status: 429, data: body('50011', 'Too Many') } })).toEqual({
      code: '50011',
      msg: 'Too Many',
      sCode: undefined,
      sMsg: undefined,
      httpStatus: 429,
    });
  });

  it('returns undefined for a success and for non-OKX values', () => {
    expect(parseOkxError(order('0'))).toBeUndefined();
    expect(parseOkxError({ code: -1007, msg: 'Timeout' })).toBeUndefined();
    expect(parseOkxError(new Error('boom'))).toBeUndefined();
    expect(parseOkxError(null)).toBeUndefined();
  });
});
