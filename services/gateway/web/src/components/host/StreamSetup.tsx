import { useState } from 'react';
import { Icon } from '../Icon';
import { Video } from '../../api/services';
import { describeError } from '../../api/errors';
import type { IngestEndpoints, Stream } from '../../api/types';
import { CopyField } from '../CopyField';

const errorText: Record<string, string> = {
  STREAM_ERROR_REASON_UNSUPPORTED_CODEC: 'Your encoder sent an unsupported codec: use H.264 video and AAC audio.',
  STREAM_ERROR_REASON_BITRATE_TOO_HIGH: 'Bitrate too high: keep it at or below 8000 kbit/s.',
  STREAM_ERROR_REASON_RESOLUTION_TOO_HIGH: 'Resolution too high: use at most 1920×1080 at 60 fps.',
  STREAM_ERROR_REASON_NO_MEDIA: 'The encoder connected but sent no video.',
  STREAM_ERROR_REASON_ALREADY_PUBLISHING: 'Another encoder is already publishing to this stream.',
};

/** Camera/OBS setup: ingest URLs and the stream key (shown once; rotate for a new one), copy
 * buttons, OBS steps, and the encoder's live status. */
export function StreamSetup({ stream, endpoints, onEndpoints }: { stream: Stream; endpoints: IngestEndpoints | null; onEndpoints: (e: IngestEndpoints) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const ingest = stream.ingest;
  const session = stream.currentSession;
  const connected = !!session && !session.endedAt;

  const rotate = async () => {
    if (!window.confirm('Rotate the stream key? The old key stops working for new connections.')) return;
    setBusy(true);
    setError('');
    try {
      const r = await Video.RotateStreamKey({ streamId: stream.id, disconnectActiveSession: false });
      if (r.endpoints) onEndpoints(r.endpoints);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel setup" aria-label="Encoder setup">
      <h2 className="panel-title">Camera &amp; encoder</h2>
      <div className={`encoder-status ${connected ? 'ok' : ''}`} role="status">
        {connected ? (
          <>
            <Icon name="dot" /> Encoder connected ({session?.protocol === 'INGEST_PROTOCOL_SRT' ? 'SRT' : 'RTMP'}) · {session?.videoCodec} {session?.width}×{session?.height}
            {session?.frameRate ? ` @ ${Math.round(session.frameRate)} fps` : ''} · {session?.bitrateKbps ?? 0} kbit/s
          </>
        ) : (
          <><Icon name="dot" /> Waiting for your encoder…</>
        )}
      </div>
      {stream.errorReason && stream.errorReason !== 'STREAM_ERROR_REASON_UNSPECIFIED' && (
        <p className="banner banner-warn">{errorText[stream.errorReason] ?? 'The last publish attempt was refused.'}</p>
      )}
      <CopyField label="RTMP server" value={endpoints?.rtmpServerUrl || ingest?.rtmpServerUrl || ''} />
      {endpoints ? (
        <>
          <CopyField label="Stream key" value={endpoints.streamKey ?? ''} secret />
          <CopyField label="SRT URL" value={endpoints.srtUrl ?? ''} secret />
          <p className="muted">Copy the key now: it is shown only once. Rotate it to get a new one.</p>
        </>
      ) : (
        <p className="muted">
          Stream key ending in <code>…{ingest?.streamKeyHint ?? '????'}</code>. Lost it? Rotate to get a new one.
          {ingest?.srtServerUrl && (
            <>
              {' '}
              SRT server: <code>{ingest.srtServerUrl}</code>
            </>
          )}
        </p>
      )}
      <button type="button" className="btn btn-small" onClick={rotate} disabled={busy || stream.status === 'STREAM_STATUS_ENDED'}>
        Rotate stream key
      </button>
      {error && <p className="field-error" role="alert">{error}</p>}
      <details className="obs-help">
        <summary>How to go live with OBS</summary>
        <ol>
          <li>In OBS open <em>Settings → Stream</em>, choose <em>Custom…</em>.</li>
          <li>Paste the <strong>RTMP server</strong> into <em>Server</em> and the <strong>stream key</strong> into <em>Stream Key</em>.</li>
          <li>
            In <em>Settings → Output</em> use x264 or a hardware H.264 encoder, a keyframe interval of 2 s, at most 8000 kbit/s; audio AAC.
          </li>
          <li>Press <em>Start Streaming</em>. This page shows “LIVE” within a few seconds.</li>
          <li>SRT instead: use the SRT URL as the server with no key.</li>
        </ol>
      </details>
    </section>
  );
}
