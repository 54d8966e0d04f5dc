// The signed-in session. The access token lives in memory only; the refresh token is in the
// gateway's HttpOnly cookie, so a reload gets a new access token with `POST /user/Refresh {}`
// plus the CSRF header (double submit of the readable `__Host-shopcast_csrf` cookie).
import { apiClient, type TokenSource } from '../api/client';
import { ApiError } from '../api/errors';
import { User as UserApi } from '../api/services';
import type { TokenPair, User } from '../api/types';
import { parseTimestamp } from '../time/serverClock';
import { CSRF_COOKIE, readCookie } from './cookies';

export type SessionStatus = 'loading' | 'signedOut' | 'signedIn';

export interface SessionState {
  status: SessionStatus;
  user: User | null;
}

type Listener = (s: SessionState) => void;

// Refresh answers that say "not now" rather than "signed out": asked again, up to this many
// times (with the answer's Retry-After, else 0.5 s doubling), before giving up.
const RETRIED = new Set(['RESOURCE_EXHAUSTED', 'UNAVAILABLE']);
const REFRESH_RETRIES = 5;
// After the retries: failures that keep a still-valid access token.
const KEPT = new Set(['RESOURCE_EXHAUSTED', 'UNAVAILABLE', 'INTERNAL']);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Session implements TokenSource {
  private token: string | null = null;
  private expiresAt: number | null = null;
  private refreshing: Promise<string | null> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private listeners = new Set<Listener>();
  state: SessionState = { status: 'loading', user: null };

  accessToken(): string | null {
    return this.token;
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private set(state: SessionState) {
    this.state = state;
    this.listeners.forEach((l) => l(state));
  }

  /** On page load: a new access token from the refresh cookie, if there is one. */
  async init(): Promise<void> {
    const token = await this.refresh();
    if (!token) this.set({ status: 'signedOut', user: null });
  }

  refresh(): Promise<string | null> {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private async doRefresh(): Promise<string | null> {
    for (let attempt = 0; ; attempt++) {
      const csrf = readCookie(CSRF_COOKIE);
      if (!csrf) {
        this.clear();
        return null;
      }
      try {
        const res = await UserApi.Refresh({}, { anonymous: true, headers: { 'X-CSRF-Token': csrf } });
        this.adopt(res.tokens);
        const me = await UserApi.GetMe({});
        this.set({ status: 'signedIn', user: me.user ?? null });
        return this.token;
      } catch (e) {
        // Rate-limited or the user service away: the refresh cookie is still good (a refused
        // call is never forwarded), so ask again rather than sign the visitor out.
        if (e instanceof ApiError && RETRIED.has(e.code) && attempt < REFRESH_RETRIES) {
          await sleep(Math.min(e.retryAfterMs ?? 500 * 2 ** attempt, 10_000));
          continue;
        }
        if (e instanceof ApiError && KEPT.has(e.code) && this.token) {
          return this.token; // keep what we have; the next call will try again
        }
        this.clear();
        return null;
      }
    }
  }

  async login(login: string, password: string): Promise<User | null> {
    const res = await UserApi.Login({ login, password }, { anonymous: true });
    this.adopt(res.tokens);
    this.set({ status: 'signedIn', user: res.user ?? null });
    return res.user ?? null;
  }

  async register(username: string, email: string, password: string, displayName: string) {
    await UserApi.Register({ username, email, password, displayName }, { anonymous: true });
    return this.login(username, password);
  }

  /** Signs out here, or with `allSessions` on every device (every refresh token of the account). */
  async logout(allSessions = false): Promise<void> {
    const csrf = readCookie(CSRF_COOKIE);
    try {
      await UserApi.Logout(allSessions ? { allSessions: true } : {}, { headers: csrf ? { 'X-CSRF-Token': csrf } : {} });
    } catch {
      /* signed out locally either way */
    }
    this.clear();
  }

  /** Replaces the password. The change ends every session, this one's too: the answer's access
   * token (and the refresh cookie the gateway sets with it) carry this device on. */
  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    const res = await UserApi.ChangePassword({ currentPassword, newPassword });
    this.adopt(res.tokens);
  }

  /** After a role change (admin granted host), reload the profile. */
  async reloadUser(): Promise<void> {
    if (!this.token) return;
    await this.refresh();
  }

  private adopt(tokens: TokenPair | undefined) {
    if (!tokens?.accessToken) throw new ApiError({ status: 200, code: 'INTERNAL', message: 'No access token in the answer.' });
    this.token = tokens.accessToken;
    this.expiresAt = parseTimestamp(tokens.accessTokenExpiresAt);
    this.schedule();
  }

  /** Refresh a minute before the access token expires (or halfway for short tokens). */
  private schedule() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.expiresAt) return;
    const left = this.expiresAt - Date.now();
    const lead = Math.min(60_000, left / 2);
    this.timer = setTimeout(() => void this.refresh(), Math.max(5_000, left - lead));
  }

  private clear() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.token = null;
    this.expiresAt = null;
    if (this.state.status !== 'signedOut' || this.state.user) this.set({ status: 'signedOut', user: null });
  }
}

export const session = new Session();
apiClient.setTokenSource(session);
