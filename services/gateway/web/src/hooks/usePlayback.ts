import { useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/errors';
import { Video } from '../api/services';
import type { Stream } from '../api/types';
import { parseTimestamp } from '../time/serverClock';
import { useSession } from './useSession';

export type PlaybackState =
  | { kind: 'none' }
  | { kind: 'play'; src: string }
  | { kind: 'needsLogin' }
  | { kind: 'needsPass' }
  | { kind: 'error'; error: unknown };

const GRANT_TRIES = 7;

/** The playlist URL on this origin: plain for open streams; for gated ones with a playback token,
 * renewed before it expires (the player reloads the playlist with the new one). */
export function usePlayback(stream: Stream | undefined, live: boolean, passVersion: number): PlaybackState {
  const s = useSession();
  const [state, setState] = useState<PlaybackState>({ kind: 'none' });
  const [renew, setRenew] = useState(0);
  // Asks again after a purchase: which pass (passVersion) and how many times so far.
  const grantWait = useRef({ pass: 0, tries: 0 });
  const id = stream?.id;
  const gated = !!stream?.gated;

  useEffect(() => {
    if (!id || !live) {
      setState({ kind: 'none' });
      return;
    }
    const base = `/live/${encodeURIComponent(id)}/index.m3u8`;
    if (!gated) {
      setState({ kind: 'play', src: base });
      return;
    }
    if (s.status === 'loading') return;
    if (s.status !== 'signedIn') {
      setState({ kind: 'needsLogin' });
      return;
    }
    let timer: ReturnType<typeof setTimeout> | null = null;
    let stop = false;
    Video.GetPlaybackToken({ streamId: id }).then(
      (r) => {
        if (stop) return;
        const token = r.token ?? '';
        setState({ kind: 'play', src: token ? `${base}?token=${encodeURIComponent(token)}` : base });
        const exp = parseTimestamp(r.expiresAt);
        if (exp) timer = setTimeout(() => setRenew((n) => n + 1), Math.max(10_000, exp - Date.now() - 30_000));
      },
      (e: unknown) => {
        if (stop) return;
        if (e instanceof ApiError && e.code === 'PERMISSION_DENIED') {
          // Just bought: the pass reaches video-ingest a moment after the payment confirms (an
          // event), so ask again with backoff (0.25 s doubling, about 30 s in all) before
          // showing the gate again.
          if (passVersion > 0) {
            if (grantWait.current.pass !== passVersion) grantWait.current = { pass: passVersion, tries: 0 };
            if (grantWait.current.tries < GRANT_TRIES) {
              timer = setTimeout(() => setRenew((n) => n + 1), 250 * 2 ** grantWait.current.tries++);
              return;
            }
          }
          setState({ kind: 'needsPass' });
        } else setState({ kind: 'error', error: e });
      },
    );
    return () => {
      stop = true;
      if (timer) clearTimeout(timer);
    };
  }, [id, gated, live, s.status, renew, passVersion]);

  return state;
}
