import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Session } from './session';

vi.mock('./cookies', () => ({ CSRF_COOKIE: 'csrf', readCookie: () => 'csrf-value' }));

const tokens = { accessToken: 'tok', accessTokenExpiresAt: new Date(Date.now() + 15 * 60_000).toISOString() };
let refreshAnswers: Array<() => Response>;
let refreshCalls: number;

beforeEach(() => {
  refreshCalls = 0;
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      if (url.endsWith('/user/Refresh')) {
        refreshCalls++;
        const next = refreshAnswers.shift();
        return next ? next() : new Response(JSON.stringify({ tokens }), { status: 200 });
      }
      if (url.endsWith('/user/GetMe')) return new Response(JSON.stringify({ user: { id: 'usr_1', username: 'ann' } }), { status: 200 });
      return new Response('{}', { status: 404 });
    }),
  );
});
afterEach(() => {
  vi.unstubAllGlobals();
});

const limited = () =>
  new Response(JSON.stringify({ code: 'RESOURCE_EXHAUSTED', message: 'slow down', errorInfo: { reason: 'RATE_LIMITED', metadata: { retry_after_ms: '10' } } }), { status: 429 });
const refused = () => new Response(JSON.stringify({ code: 'UNAUTHENTICATED', message: 'no', errorInfo: { reason: 'REFRESH_TOKEN_INVALID' } }), { status: 401 });

describe('session', () => {
  it('a rate-limited refresh on page load is asked again, and the visitor stays signed in', async () => {
    refreshAnswers = [limited, limited];
    const s = new Session();
    await s.init();
    expect(refreshCalls).toBe(3);
    expect(s.state.status).toBe('signedIn');
    expect(s.accessToken()).toBe('tok');
  });

  it('a refused refresh token signs out at once', async () => {
    refreshAnswers = [refused];
    const s = new Session();
    await s.init();
    expect(refreshCalls).toBe(1);
    expect(s.state.status).toBe('signedOut');
  });

  it('gives up after a few tries and then signs out a visitor who had no token yet', async () => {
    refreshAnswers = Array.from({ length: 10 }, () => limited);
    const s = new Session();
    await s.init();
    expect(refreshCalls).toBe(6); // the first and five more
    expect(s.state.status).toBe('signedOut');
  });
});
