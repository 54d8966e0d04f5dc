import { useEffect, useState } from 'react';
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

/** The playlist URL on this origin: plain for open streams; for gated ones with a playback token,
 * renewed before it expires (the player reloads the playlist with the new one). */
export function usePlayback(stream: Stream | undefined, live: boolean, passVersion: number): PlaybackState {
  const s = useSession();
  const [state, setState] = useState<PlaybackState>({ kind: 'none' });
  const [renew, setRenew] = useState(0);
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
        if (e instanceof ApiError && e.code === 'PERMISSION_DENIED') setState({ kind: 'needsPass' });
        else setState({ kind: 'error', error: e });
      },
    );
    return () => {
      stop = true;
      if (timer) clearTimeout(timer);
    };
  }, [id, gated, live, s.status, renew, passVersion]);

  return state;
}
