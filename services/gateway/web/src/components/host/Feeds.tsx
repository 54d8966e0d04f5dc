import { useEffect, useRef, useState } from 'react';
import type { Sale } from '../../api/types';
import { formatMoney } from '../../util/money';

/** Viewer count changes as they happen (the room has counts, not identities). */
export function ViewersFeed({ viewers, peak }: { viewers: number; peak: number }) {
  const [log, setLog] = useState<Array<{ at: string; text: string }>>([]);
  const prev = useRef<number | null>(null);
  useEffect(() => {
    const p = prev.current;
    prev.current = viewers;
    if (p === null || p === viewers) return;
    const d = viewers - p;
    const text = d > 0 ? `+${d} joined · ${viewers} watching` : `${-d} left · ${viewers} watching`;
    setLog((l) => [{ at: new Date().toLocaleTimeString(), text }, ...l].slice(0, 30));
  }, [viewers]);
  return (
    <section className="panel feed" aria-label="Viewers">
      <h2 className="panel-title">
        Viewers <span className="muted">{viewers} now · peak {peak}</span>
      </h2>
      <ol className="feed-list" aria-live="polite">
        {log.length === 0 && <li className="empty">Waiting for viewers…</li>}
        {log.map((e, i) => (
          <li key={i}>
            <time>{e.at}</time> {e.text}
          </li>
        ))}
      </ol>
    </section>
  );
}

const saleStatus: Record<string, string> = {
  ORDER_STATUS_CONFIRMED: 'paid',
  ORDER_STATUS_SHIPPED: 'shipped',
  ORDER_STATUS_CANCELLED: 'cancelled',
  ORDER_STATUS_REFUNDED: 'refunded',
};

/** The stream's orders, newest first (GetStreamSales). */
export function OrdersFeed({ sales }: { sales: Sale[] }) {
  return (
    <section className="panel feed" aria-label="Orders">
      <h2 className="panel-title">Orders</h2>
      <ol className="feed-list" aria-live="polite" data-testid="orders-feed">
        {sales.length === 0 && <li className="empty">No orders yet.</li>}
        {sales.map((s) => (
          <li key={`${s.orderId}-${s.productId}`}>
            <time>{s.soldAt ? new Date(s.soldAt).toLocaleTimeString() : ''}</time> {s.quantity ?? 1} × {s.accessPass ? 'Access pass' : s.title} ·{' '}
            <strong>{formatMoney(s.amount)}</strong> <span className="muted">{saleStatus[s.status ?? ''] ?? ''}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
