import type { SaleTicker } from '../../api/types';
import { Icon } from '../Icon';

/** "Someone just bought X" — the latest sales, newest first. */
export function SoldTicker({ sales, unitsSold }: { sales: SaleTicker[]; unitsSold: number }) {
  if (sales.length === 0) return null;
  const latest = [...sales].reverse().slice(0, 5);
  return (
    <section className="ticker" aria-label="Recent sales">
      <span className="ticker-total"><Icon name="cart" /> {unitsSold} sold</span>
      <ul aria-live="polite" data-testid="sold-ticker">
        {latest.map((s, i) => (
          <li key={`${s.momentAt}-${i}`}>
            <strong>{s.buyerDisplayName || 'Someone'}</strong> bought {s.quantity ?? 1} × {s.title}
          </li>
        ))}
      </ul>
    </section>
  );
}
