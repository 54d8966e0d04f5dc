import type { StreamStatus } from '../../api/types';
import { Icon } from '../Icon';
import { useServerNow } from '../../hooks/useServerNow';
import { formatCountdown } from '../../time/serverClock';

const statusText: Record<string, string> = {
  STREAM_STATUS_PREPARING: 'Starting soon',
  STREAM_STATUS_LIVE: 'LIVE',
  STREAM_STATUS_RECONNECTING: 'Reconnecting',
  STREAM_STATUS_ENDED: 'Ended',
  STREAM_STATUS_ERROR: 'Ended',
};

export function StatusBadge({ status }: { status: StreamStatus | undefined }) {
  const live = status === 'STREAM_STATUS_LIVE';
  return <span className={`badge ${live ? 'badge-live' : status === 'STREAM_STATUS_RECONNECTING' ? 'badge-warn' : ''}`}>{statusText[status ?? ''] ?? '—'}</span>;
}

/** Live duration (from went_live_at, in server time) and the viewer count (not once the show
 * has ended: who is still on the page is not watching it). */
export function LiveStats({ wentLiveAt, viewers, status }: { wentLiveAt?: string; viewers: number; status?: StreamStatus }) {
  const now = useServerNow(1000);
  const started = wentLiveAt ? Date.parse(wentLiveAt) : NaN;
  const live = status === 'STREAM_STATUS_LIVE' || status === 'STREAM_STATUS_RECONNECTING';
  const over = status === 'STREAM_STATUS_ENDED' || status === 'STREAM_STATUS_ERROR';
  return (
    <div className="live-stats">
      <StatusBadge status={status} />
      {live && !Number.isNaN(started) && (
        <span className="stat" aria-label={`Live for ${formatCountdown(now - started)}`}>
          <Icon name="clock" /> <span data-testid="live-duration">{formatCountdown(now - started)}</span>
        </span>
      )}
      {!over && (
        <span className="stat" aria-label={`${viewers} watching`}>
          <Icon name="users" /> <span data-testid="viewer-count">{viewers}</span> watching
        </span>
      )}
    </div>
  );
}
