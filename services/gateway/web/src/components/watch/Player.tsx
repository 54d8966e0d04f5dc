import type HlsType from 'hls.js';
import { Icon } from '../Icon';
import { liveHlsConfig } from './liveHlsConfig';
import { useEffect, useRef, useState } from 'react';

interface Props {
  /** Same-origin playlist URL, e.g. /live/str_…/index.m3u8 (with ?token= for gated streams). */
  src: string | null;
  title: string;
  poster?: string;
  /** Shown while there is nothing to play. */
  idleText?: string;
  /** 'vod': a finished recording, played with hls.js's ordinary settings from `startSeconds`. */
  mode?: 'live' | 'vod';
  startSeconds?: number;
  /** Each new `key` jumps to `seconds` and plays (a sale moment chosen in the replay). */
  seek?: { seconds: number; key: number };
  /** The playing position, as the video reports it (a few times a second). */
  onTime?: (seconds: number) => void;
}

/** Live HLS (or a replay, `mode` 'vod'): hls.js in low-latency mode (blocking playlist reloads, parts; aiming at the
 * playlist's PART-HOLD-BACK behind live), or the browser's own
 * HLS (Safari, iOS) when MSE is missing. Starts muted (autoplay rules) with an unmute button;
 * recovers from network and media errors, and retries when the playlist is not there yet. */
export function Player({ src, title, poster, idleText = 'The show has not started yet.', mode = 'live', startSeconds = 0, seek, onTime }: Props) {
  const video = useRef<HTMLVideoElement>(null);
  const vod = mode === 'vod';
  // read when a source starts, not a reason to restart it
  const start = useRef(startSeconds);
  start.current = startSeconds;
  const timeListener = useRef(onTime);
  timeListener.current = onTime;
  const [muted, setMuted] = useState(true);
  const [state, setState] = useState<'idle' | 'loading' | 'playing' | 'waiting' | 'error'>('idle');

  useEffect(() => {
    const el = video.current;
    if (!el || !src) {
      setState('idle');
      return;
    }
    setState('loading');
    let hls: HlsType | null = null;
    let retry: ReturnType<typeof setTimeout> | null = null;
    let cancelled = false;
    const play = () => {
      el.play().catch(() => {
        /* autoplay refused: the controls remain */
      });
    };
    const onPlaying = () => setState('playing');
    const onWaiting = () => setState((s) => (s === 'playing' ? 'waiting' : s));
    const onTimeUpdate = () => timeListener.current?.(el.currentTime);
    el.addEventListener('playing', onPlaying);
    el.addEventListener('waiting', onWaiting);
    el.addEventListener('timeupdate', onTimeUpdate);
    const from = vod ? start.current : 0;

    const native = () => {
      if (el.canPlayType('application/vnd.apple.mpegurl')) {
        el.src = src;
        el.addEventListener(
          'loadedmetadata',
          () => {
            if (from > 0) el.currentTime = from;
            play();
          },
          { once: true },
        );
      } else {
        setState('error');
      }
    };
    // hls.js is loaded only when a player is on screen (it is most of the app's weight)
    void import('hls.js').then(({ default: Hls }) => {
      if (cancelled) return;
      if (!Hls.isSupported()) return native();
      const begin = () => {
        hls?.destroy();
        // live: the settings the glass-to-glass benchmark plays with too (liveHlsConfig.js says
        // why); a replay: hls.js's defaults, from the asked position (-1: the playlist's start)
        hls = new Hls(vod ? { enableWorker: false, startPosition: from > 0 ? from : -1 } : { ...liveHlsConfig });
        hls.on(Hls.Events.MANIFEST_PARSED, play);
        hls.on(Hls.Events.ERROR, (_e, data) => {
          if (!data.fatal || !hls) return;
          if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
            hls.recoverMediaError();
          } else {
            // the playlist may not exist yet (just went live) or the proxy moved: start over
            setState('waiting');
            hls.destroy();
            hls = null;
            retry = setTimeout(begin, 2_000);
          }
        });
        hls.loadSource(src);
        hls.attachMedia(el);
      };
      begin();
    }, native);
    return () => {
      cancelled = true;
      if (retry) clearTimeout(retry);
      el.removeEventListener('playing', onPlaying);
      el.removeEventListener('waiting', onWaiting);
      el.removeEventListener('timeupdate', onTimeUpdate);
      hls?.destroy();
      el.removeAttribute('src');
      el.load();
    };
  }, [src, vod]);

  const seekKey = seek?.key;
  const seekTo = seek?.seconds ?? 0;
  useEffect(() => {
    const el = video.current;
    if (!el || seekKey === undefined) return;
    const go = () => {
      el.currentTime = seekTo;
      el.play().catch(() => {
        /* autoplay refused: the controls remain */
      });
    };
    if (el.readyState >= HTMLMediaElement.HAVE_METADATA) {
      go();
      return;
    }
    el.addEventListener('loadedmetadata', go, { once: true });
    return () => el.removeEventListener('loadedmetadata', go);
    // a new key is a new request, even to the same position
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [seekKey]);

  return (
    <div className="player">
      <video
        ref={video}
        className="player-video"
        muted={muted}
        playsInline
        autoPlay
        controls
        poster={poster}
        aria-label={vod ? `Replay: ${title}` : `Live video: ${title}`}
        data-testid="player"
      />
      {state === 'error' && <p className="player-overlay">This browser cannot play {vod ? 'this replay' : 'live video'}.</p>}
      {state === 'waiting' && (
        <p className="player-overlay" aria-live="polite">
          {vod ? 'Loading the replay…' : 'Reconnecting to the stream…'}
        </p>
      )}
      {!src && <p className="player-overlay">{idleText}</p>}
      {muted && src && (
        <button type="button" className="btn btn-small unmute" onClick={() => setMuted(false)}>
          <Icon name="sound" /> Unmute
        </button>
      )}
    </div>
  );
}
