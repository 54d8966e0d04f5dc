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
}

/** Live HLS: hls.js in low-latency mode (blocking playlist reloads, parts; aiming at the
 * playlist's PART-HOLD-BACK behind live), or the browser's own
 * HLS (Safari, iOS) when MSE is missing. Starts muted (autoplay rules) with an unmute button;
 * recovers from network and media errors, and retries when the playlist is not there yet. */
export function Player({ src, title, poster, idleText = 'The show has not started yet.' }: Props) {
  const video = useRef<HTMLVideoElement>(null);
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
    el.addEventListener('playing', onPlaying);
    el.addEventListener('waiting', onWaiting);

    const native = () => {
      if (el.canPlayType('application/vnd.apple.mpegurl')) {
        el.src = src;
        el.addEventListener('loadedmetadata', play, { once: true });
      } else {
        setState('error');
      }
    };
    // hls.js is loaded only when a player is on screen (it is most of the app's weight)
    void import('hls.js').then(({ default: Hls }) => {
      if (cancelled) return;
      if (!Hls.isSupported()) return native();
      const start = () => {
        hls?.destroy();
        // the settings the glass-to-glass benchmark plays with too (liveHlsConfig.js says why)
        hls = new Hls({ ...liveHlsConfig });
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
            retry = setTimeout(start, 2_000);
          }
        });
        hls.loadSource(src);
        hls.attachMedia(el);
      };
      start();
    }, native);
    return () => {
      cancelled = true;
      if (retry) clearTimeout(retry);
      el.removeEventListener('playing', onPlaying);
      el.removeEventListener('waiting', onWaiting);
      hls?.destroy();
      el.removeAttribute('src');
      el.load();
    };
  }, [src]);

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
        aria-label={`Live video: ${title}`}
        data-testid="player"
      />
      {state === 'error' && <p className="player-overlay">This browser cannot play live video.</p>}
      {state === 'waiting' && <p className="player-overlay" aria-live="polite">Reconnecting to the stream…</p>}
      {!src && <p className="player-overlay">{idleText}</p>}
      {muted && src && (
        <button type="button" className="btn btn-small unmute" onClick={() => setMuted(false)}>
          <Icon name="sound" /> Unmute
        </button>
      )}
    </div>
  );
}
