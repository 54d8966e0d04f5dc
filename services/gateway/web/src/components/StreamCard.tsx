import { Link } from 'react-router-dom';
import { Icon } from './Icon';
import type { Stream } from '../api/types';
import { mediaPath } from '../util/links';
import { formatMoney } from '../util/money';

function when(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit', day: 'numeric', month: 'short' });
}

export function StreamCard({ stream }: { stream: Stream }) {
  const live = stream.status === 'STREAM_STATUS_LIVE' || stream.status === 'STREAM_STATUS_RECONNECTING';
  const thumbnail = mediaPath(stream.thumbnailUrl);
  return (
    <article className="stream-card">
      <Link to={`/watch/${stream.id}`} className="stream-card-link">
        <div className="stream-thumb" aria-hidden="true">
          {thumbnail ? <img src={thumbnail} alt="" loading="lazy" /> : <span className="thumb-placeholder"><Icon name="play" size={40} /></span>}
          {live ? <span className="badge badge-live">LIVE</span> : <span className="badge">Upcoming</span>}
          {stream.gated && <span className="badge badge-gated"><Icon name="lock" size={12} /> {formatMoney(stream.accessPrice)}</span>}
        </div>
        <h3 className="stream-title">{stream.title}</h3>
      </Link>
      <p className="stream-meta">{live ? `Live since ${when(stream.wentLiveAt)}` : `Starts ${when(stream.scheduledStartAt)}`}</p>
      {!!stream.tags?.length && (
        <ul className="tags" aria-label="Tags">
          {stream.tags.map((t) => (
            <li key={t}>#{t}</li>
          ))}
        </ul>
      )}
    </article>
  );
}
