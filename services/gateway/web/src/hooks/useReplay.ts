import { useEffect, useState } from 'react';
import { ApiError } from '../api/errors';
import { Recordings } from '../api/services';
import type { Moment, Recording } from '../api/types';
import { parseDuration } from '../time/serverClock';
import { passRequired, vodPath } from '../replay/replay';

export type ReplayState =
  /** Nothing to play: the show has not ended, or its recording is not (or no longer) public. */
  | { kind: 'none' }
  /** Saved (or the host's own), still being finished: the page asks again by itself. */
  | { kind: 'processing' }
  /** `startSeconds`: where playback begins (a moment's lead-in, when one was asked for). */
  | { kind: 'ready'; recording: Recording; src: string; moments: Moment[]; startSeconds: number }
  /** A paid show's replay, and the viewer holds no access pass for it (`signedIn` false: they
   * may hold one on an account they have not signed in with). The page does not ask again by
   * itself; signing in does, and so does buying a pass (`passVersion`). */
  | { kind: 'locked'; recording: Recording; signedIn: boolean }
  | { kind: 'error'; error: unknown };

// While the host decides and the recording is finished, the page asks again this often; a
// recording that stays out of sight this long after the end (not saved) is not waited for.
const POLL_MS = 3_000;
const GIVE_UP_MS = 10 * 60_000;
// A show's moments, page by page (100 each): enough for any show; the list stops there.
const MAX_MOMENT_PAGES = 10;
// After a purchase the pass reaches recording-lifecycle a moment after the payment confirms (an
// event): a refusal is asked again this many times (0.25 s doubling, about 30 s in all).
const GRANT_TRIES = 7;

async function allMoments(recordingId: string): Promise<Moment[]> {
  const out: Moment[] = [];
  let pageToken = '';
  for (let i = 0; i < MAX_MOMENT_PAGES; i++) {
    const r = await Recordings.ListMoments({ recordingId, page: { pageSize: 100, pageToken } });
    out.push(...(r.moments ?? []));
    pageToken = r.page?.nextPageToken ?? '';
    if (!pageToken) break;
  }
  return out;
}

/** Whether an answer means "not visible yet or any more" rather than a failure. */
function outOfSight(e: unknown): boolean {
  return e instanceof ApiError && (e.code === 'NOT_FOUND' || e.code === 'PERMISSION_DENIED');
}


/** The replay of an ended show: its recording (found by the stream), a playable same-origin VOD
 * URL and its sale moments. `momentId` (a shared "watch it sell" link) starts playback a little
 * before that sale, as recording-lifecycle places it. `viewerId` ('' when signed out) asks again
 * when the viewer signs in or out: a paid show's replay depends on who asks. `passVersion` asks
 * again after the viewer bought an access pass (above 0: a refusal is retried while the pass
 * travels, instead of showing the gate again). */
export function useReplay(streamId: string, ended: boolean, momentId?: string, viewerId = '', passVersion = 0): ReplayState {
  const [state, setState] = useState<ReplayState>({ kind: 'none' });

  useEffect(() => {
    if (!ended || !streamId) {
      setState({ kind: 'none' });
      return;
    }
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const since = Date.now();
    let grantTries = 0;
    const again = () => {
      if (!stop && Date.now() - since < GIVE_UP_MS) timer = setTimeout(() => void look(), POLL_MS);
    };
    const look = async () => {
      try {
        const { recording } = await Recordings.GetRecording({ streamId });
        if (stop) return;
        const status = recording?.status;
        if (!recording?.id || status === 'RECORDING_STATUS_DELETING' || status === 'RECORDING_STATUS_DELETED' || recording.decision === 'RETENTION_DECISION_DELETE' || recording.tier === 'STORAGE_TIER_EXPIRED') {
          setState({ kind: 'none' });
          return;
        }
        if (status !== 'RECORDING_STATUS_READY') {
          setState({ kind: 'processing' });
          return again();
        }
        const ask = (withMoment: boolean) => Recordings.GetPlaybackUrl({ recordingId: recording.id, ...(withMoment ? { momentId } : {}) });
        // a moment that is gone (its order cancelled, a stale link) plays from the start
        let url;
        try {
          url = await ask(!!momentId).catch((e: unknown) => {
            if (momentId && e instanceof ApiError && (e.code === 'NOT_FOUND' || e.code === 'INVALID_ARGUMENT')) return ask(false);
            throw e;
          });
        } catch (e) {
          if (!passRequired(e)) throw e;
          if (stop) return;
          if (passVersion > 0 && !!viewerId && grantTries < GRANT_TRIES) {
            timer = setTimeout(() => void look(), 250 * 2 ** grantTries++);
            return;
          }
          setState({ kind: 'locked', recording, signedIn: !!viewerId });
          return;
        }
        const moments = await allMoments(recording.id);
        if (stop) return;
        const src = vodPath(url.url);
        if (!src) throw new Error('The replay address is not one this page can play.');
        setState({ kind: 'ready', recording, src, moments, startSeconds: (parseDuration(url.startOffset) ?? 0) / 1000 });
      } catch (e) {
        if (stop) return;
        if (outOfSight(e)) {
          // not saved (yet): the host may still choose Save
          setState({ kind: 'none' });
          return again();
        }
        setState({ kind: 'error', error: e });
        again();
      }
    };
    void look();
    return () => {
      stop = true;
      if (timer) clearTimeout(timer);
    };
  }, [streamId, ended, momentId, viewerId, passVersion]);

  return state;
}
