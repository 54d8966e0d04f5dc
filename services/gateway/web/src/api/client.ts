import { ApiError, errorFromHttp, networkError } from './errors';

/** Where the client gets the access token, and how it gets a new one after a 401. */
export interface TokenSource {
  accessToken(): string | null;
  /** Refreshes through the cookie; resolves to the new token or null when signed out. */
  refresh(): Promise<string | null>;
}

export interface CallOptions {
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** Send no Authorization header even when signed in (login, refresh). */
  anonymous?: boolean;
}

/** JSON API client: `POST /api/v1/<service>/<Method>` on the page's own origin. */
export class ApiClient {
  private tokens: TokenSource | null = null;
  constructor(
    private readonly baseUrl = '',
    private readonly fetchImpl: typeof fetch = (...a) => fetch(...a),
  ) {}

  setTokenSource(tokens: TokenSource | null) {
    this.tokens = tokens;
  }

  async call<Res>(service: string, method: string, body: unknown = {}, opts: CallOptions = {}): Promise<Res> {
    const token = opts.anonymous ? null : (this.tokens?.accessToken() ?? null);
    try {
      return await this.once<Res>(service, method, body, opts, token);
    } catch (e) {
      // An access token that expired (or was revoked) while we held it: refresh once, retry.
      if (e instanceof ApiError && e.code === 'UNAUTHENTICATED' && token && this.tokens) {
        const fresh = await this.tokens.refresh();
        if (fresh) return this.once<Res>(service, method, body, opts, fresh);
      }
      throw e;
    }
  }

  private async once<Res>(
    service: string,
    method: string,
    body: unknown,
    opts: CallOptions,
    token: string | null,
  ): Promise<Res> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      ...opts.headers,
    };
    if (token) headers.Authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl}/api/v1/${service}/${method}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body ?? {}),
        credentials: 'same-origin',
        signal: opts.signal,
      });
    } catch (e) {
      throw networkError(e);
    }
    const text = await res.text();
    if (!res.ok) throw errorFromHttp(res.status, text, res.headers);
    if (!text) return {} as Res;
    try {
      return JSON.parse(text) as Res;
    } catch {
      throw new ApiError({ status: res.status, code: 'INTERNAL', message: 'The server sent an unreadable answer.' });
    }
  }
}

export const apiClient = new ApiClient();
