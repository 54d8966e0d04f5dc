import { ApiError } from '../api/errors';
import type { Moment } from '../api/types';
import { parseDuration } from '../time/serverClock';
import { mediaPath } from '../util/links';

/** The same-origin path of a signed VOD playlist URL from GetPlaybackUrl (see mediaPath): the
 * app plays through the gateway whatever public base the service signs its URLs with; a URL that
 * is not a /vod/ playlist is refused (null) rather than loaded from another origin. */
export function vodPath(url: string | undefined): string | null {
  const path = mediaPath(url);
  return path?.startsWith('/vod/') ? path : null;
}

/** Whether GetPlaybackUrl refused a paid show's replay to this viewer: no access pass
 * (ACCESS_PASS_REQUIRED), or signed out (UNAUTHENTICATED; the pass may be on their account). */
export function passRequired(e: unknown): boolean {
  return e instanceof ApiError && (e.reason === 'ACCESS_PASS_REQUIRED' || e.code === 'UNAUTHENTICATED');
}

/** A position in a recording: "0:07", "12:34", "1:02:03" (whole seconds, rounded down). */
export function formatMediaTime(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const ss = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A moment's position in its recording, in seconds (0 when absent or unreadable). */
export function momentSeconds(m: Moment): number {
  return (parseDuration(m.mediaOffset) ?? 0) / 1000;
}

/** The moment playing at `seconds`: the last one at or before it, within `windowSeconds`. */
export function momentAt(moments: Moment[], seconds: number, windowSeconds = 30): Moment | undefined {
  let found: Moment | undefined;
  for (const m of moments) {
    const at = momentSeconds(m);
    if (at <= seconds && seconds - at <= windowSeconds) found = m;
  }
  return found;
}
