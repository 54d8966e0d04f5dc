import { describe, expect, it } from 'vitest';
import { ApiClient } from './client';
import { ApiError, describeError, errorFromHttp } from './errors';

describe('API error mapping', () => {
  it('reads an HttpError body: code, reason, field, metadata, request id', () => {
    const e = errorFromHttp(
      400,
      JSON.stringify({
        code: 'INVALID_ARGUMENT',
        message: 'price out of range',
        errorInfo: { reason: 'PRICE_OUT_OF_RANGE', domain: 'product-inventory', field: 'product.price', metadata: { max: '10' } },
        requestId: 'req-1',
      }),
    );
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT', reason: 'PRICE_OUT_OF_RANGE', field: 'product.price', requestId: 'req-1' });
    expect(e.metadata).toEqual({ max: '10' });
    expect(e.violations).toEqual([{ field: 'product.price', reason: 'PRICE_OUT_OF_RANGE', description: 'price out of range' }]);
  });

  it('collects every field violation when the gateway sends them', () => {
    const e = errorFromHttp(
      400,
      JSON.stringify({
        code: 'INVALID_ARGUMENT',
        message: 'invalid product',
        errorInfo: { reason: 'TITLE_INVALID', field: 'product.title' },
        details: [{ violations: [{ field: 'product.title', reason: 'TITLE_INVALID' }, { field: 'product.price', reason: 'PRICE_REQUIRED' }] }],
      }),
    );
    expect(e.violations.map((v) => v.reason)).toEqual(['TITLE_INVALID', 'PRICE_REQUIRED']);
  });

  it('falls back to the status when the body is not JSON, and reads Retry-After', () => {
    const e = errorFromHttp(429, 'slow down', new Headers({ 'Retry-After': '3', 'X-Request-Id': 'abc' }));
    expect(e).toMatchObject({ code: 'RESOURCE_EXHAUSTED', retryAfterMs: 3000, requestId: 'abc' });
    expect(describeError(e)).toMatch(/Try again in 3 s/);
    expect(errorFromHttp(502, '<html>').code).toBe('UNKNOWN');
    expect(errorFromHttp(503, '').code).toBe('UNAVAILABLE');
  });

  it('prefers retry_after_ms from the service', () => {
    const e = errorFromHttp(429, JSON.stringify({ code: 'RESOURCE_EXHAUSTED', errorInfo: { reason: 'LOGIN_THROTTLED', metadata: { retry_after_ms: '1200' } } }), new Headers({ 'Retry-After': '9' }));
    expect(e.retryAfterMs).toBe(1200);
  });
});

describe('ApiClient', () => {
  function fakeFetch(responses: Array<{ status: number; body: unknown }>) {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    const impl = (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      const r = responses.shift()!;
      return new Response(JSON.stringify(r.body), { status: r.status });
    }) as unknown as typeof fetch;
    return { impl, calls };
  }

  it('posts JSON to /api/v1/<service>/<Method> with the bearer token', async () => {
    const { impl, calls } = fakeFetch([{ status: 200, body: { user: { id: 'usr_1' } } }]);
    const c = new ApiClient('', impl);
    c.setTokenSource({ accessToken: () => 'tok', refresh: async () => null });
    const res = await c.call<{ user: { id: string } }>('user', 'GetMe', {});
    expect(res.user.id).toBe('usr_1');
    expect(calls[0].url).toBe('/api/v1/user/GetMe');
    expect(calls[0].init.method).toBe('POST');
    expect((calls[0].init.headers as Record<string, string>).Authorization).toBe('Bearer tok');
  });

  it('refreshes once on UNAUTHENTICATED and retries with the new token', async () => {
    const { impl, calls } = fakeFetch([
      { status: 401, body: { code: 'UNAUTHENTICATED', errorInfo: { reason: 'TOKEN_EXPIRED' } } },
      { status: 200, body: {} },
    ]);
    const c = new ApiClient('', impl);
    let token = 'old';
    c.setTokenSource({ accessToken: () => token, refresh: async () => (token = 'new') });
    await c.call('order', 'GetOrder', { orderId: 'ord_1' });
    expect((calls[1].init.headers as Record<string, string>).Authorization).toBe('Bearer new');
  });

  it('turns a network failure into UNAVAILABLE', async () => {
    const c = new ApiClient('', (async () => {
      throw new TypeError('failed to fetch');
    }) as unknown as typeof fetch);
    await expect(c.call('user', 'GetMe', {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
