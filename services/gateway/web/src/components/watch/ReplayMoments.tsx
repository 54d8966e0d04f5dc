import type { Moment } from '../../api/types';
import { formatMediaTime, momentAt, momentSeconds } from '../../replay/replay';
import { formatMoney } from '../../util/money';
import { Icon } from '../Icon';

// How far before a sale a jump lands, so the viewer sees the item being shown, not only the
// "sold" moment (recording-lifecycle's default lead-in for a moment link is the same).
export const MOMENT_LEAD_IN_SECONDS = 5;

interface Props {
  moments: Moment[];
  /** The replay's position, to mark the sale playing now. */
  position: number;
  onJump: (seconds: number) => void;
}

/** "Sold during the show": every sale of the replay in media order; choosing one plays the
 * video from a few seconds before it sold. */
export function ReplayMoments({ moments, position, onJump }: Props) {
  const now = momentAt(moments, position + MOMENT_LEAD_IN_SECONDS);
  return (
    <section className="moments" aria-label="Sale moments">
      <h2 className="panel-title">
        Sold during the show <span className="muted">{moments.length}</span>
      </h2>
      {moments.length === 0 ? (
        <p className="empty">Nothing sold in this show.</p>
      ) : (
        <ol className="moment-list">
          {moments.map((m) => {
            const at = momentSeconds(m);
            const quantity = m.quantity && m.quantity > 1 ? `${m.quantity} × ` : '';
            return (
              <li key={m.id}>
                <button
                  type="button"
                  className={`moment${now?.id === m.id ? ' is-now' : ''}`}
                  aria-current={now?.id === m.id ? 'true' : undefined}
                  onClick={() => onJump(Math.max(0, at - MOMENT_LEAD_IN_SECONDS))}
                  data-testid="moment"
                  data-moment-id={m.id}
                >
                  <span className="moment-time">
                    <Icon name="play" size={12} /> {formatMediaTime(at * 1000)}
                  </span>
                  <span className="moment-title">
                    {quantity}
                    {m.productTitle || 'An item'}
                    {m.kind === 'MOMENT_KIND_AUCTION_SALE' && <span className="badge">Auction</span>}
                  </span>
                  <span className="moment-price">{formatMoney(m.amount)}</span>
                </button>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
