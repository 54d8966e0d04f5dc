import type { FlashSaleCard } from '../../api/types';
import { Icon } from '../Icon';
import { useServerNow } from '../../hooks/useServerNow';
import { formatMoney } from '../../util/money';
import { Countdown } from '../Countdown';

/** A flash sale's countdown to opening, then the deal until it closes. */
export function FlashSaleInfo({ sale }: { sale: FlashSaleCard }) {
  const now = useServerNow(1000);
  const opens = Date.parse(sale.opensAt ?? '');
  const closes = Date.parse(sale.closesAt ?? '');
  const before = !Number.isNaN(opens) && now < opens;
  const over = !Number.isNaN(closes) && now >= closes;
  return (
    <div className={`flash${before ? '' : over ? ' flash-over' : ' flash-live'}`}>
      <span className="flash-tag"><Icon name="bolt" size={14} /> Flash sale {formatMoney(sale.dealPrice)}</span>
      {before && <Countdown to={sale.opensAt} label="Starts in" />}
      {!before && !over && (
        <>
          <Countdown to={sale.closesAt} label="Ends in" />
          <span className="muted">{Number(sale.remaining ?? 0)} of {Number(sale.stockCap ?? 0)} left at this price</span>
        </>
      )}
      {over && <span className="muted">Flash sale over</span>}
    </div>
  );
}

export function flashSaleLive(sale: FlashSaleCard | undefined, now: number): boolean {
  if (!sale) return false;
  const opens = Date.parse(sale.opensAt ?? '');
  const closes = Date.parse(sale.closesAt ?? '');
  return now >= opens && now < closes;
}
