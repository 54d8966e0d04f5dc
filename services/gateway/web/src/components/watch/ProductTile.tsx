import { useState } from 'react';
import { Icon } from '../Icon';
import { Products } from '../../api/services';
import type { AuctionState, LotteryState, ProductCard, Reservation } from '../../api/types';
import { describeError } from '../../api/errors';
import { useServerNow } from '../../hooks/useServerNow';
import type { StockView } from '../../realtime/roomState';
import { randomId } from '../../util/ids';
import { formatMoney } from '../../util/money';
import { AuctionCard } from './AuctionCard';
import { FlashSaleInfo, flashSaleLive } from './FlashSaleInfo';
import { LotteryBox } from './LotteryBox';
import { QueueBox } from './QueueBox';

interface Props {
  card: ProductCard;
  stock: StockView | undefined;
  auction?: AuctionState;
  extension?: { by: string; at: number };
  lottery?: LotteryState;
  lotteryWinners?: string[];
  queue?: { enabled: boolean; length: number; offered: string[] };
  pinned?: boolean;
  /** A queue ticket the page was opened with (a queue offer's link). */
  linkedTicketId?: string;
  requireLogin: () => boolean;
  onCheckout: (r: Reservation, title: string) => void;
}

/** One product in the show: price (and flash deal), live stock, and the way to buy it — Buy Now
 * (a hold, then checkout), the queue, the auction, or the lottery. */
export function ProductTile({ card, stock, auction, extension, lottery, lotteryWinners, queue, pinned, linkedTicketId, requireLogin, onCheckout }: Props) {
  const now = useServerNow(1000);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const available = stock?.available ?? Number(card.available ?? 0);
  const total = stock?.total ?? Number(card.total ?? 0);
  const soldOut = stock?.soldOut ?? !!card.soldOut;
  const sale = stock?.flashSale ?? card.flashSale;
  const deal = flashSaleLive(sale, now);
  const title = card.title ?? 'Product';
  const queueOn = queue ? queue.enabled : !!card.queueEnabled;
  const lotteryRunning = lottery && !lottery.cancelled && !(lottery.drawn && !lotteryWinners?.length);

  const buy = async () => {
    if (!requireLogin()) return;
    setBusy(true);
    setError('');
    try {
      const r = await Products.Reserve({ productId: card.productId, quantity: 1, idempotencyKey: randomId('rsv_') });
      if (r.reservation) onCheckout(r.reservation, title);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <article className={`product${pinned ? ' product-pinned' : ''}`} aria-label={title} data-testid="product" data-product-id={card.productId}>
      <div className="product-img" aria-hidden="true">
        {card.imageUrl ? <img src={card.imageUrl} alt="" loading="lazy" /> : <Icon name="bag" size={28} />}
      </div>
      <div className="product-body">
        <h3 className="product-title">
          {pinned && <span className="badge badge-pin">Featured</span>} {title}
        </h3>
        {!card.isAuction && (
          <p className="product-price">
            {deal && sale ? (
              <>
                <strong>{formatMoney(sale.dealPrice)}</strong> <s className="muted">{formatMoney(card.price)}</s>
              </>
            ) : (
              <strong>{formatMoney(card.price)}</strong>
            )}
          </p>
        )}
        <p className={`product-stock${soldOut ? ' sold-out' : available <= 3 ? ' low' : ''}`} data-testid="stock">
          {soldOut ? 'Sold out' : `${available} left${total ? ` of ${total}` : ''}`}
        </p>
        {sale && !card.isAuction && <FlashSaleInfo sale={sale} />}
        {card.isAuction ? (
          auction ? (
            <AuctionCard auction={auction} extension={extension} requireLogin={requireLogin} onWon={(r) => onCheckout(r, title)} />
          ) : (
            <p className="muted">Auction starts soon.</p>
          )
        ) : lotteryRunning && lottery ? (
          <LotteryBox lottery={lottery} winnerIds={lotteryWinners} requireLogin={requireLogin} onWon={(r) => onCheckout(r, title)} />
        ) : queueOn ? (
          <QueueBox
            productId={card.productId ?? ''}
            queueLength={queue?.length ?? 0}
            offered={queue?.offered ?? []}
            requireLogin={requireLogin}
            onClaimed={(r) => onCheckout(r, title)}
            linkedTicketId={linkedTicketId}
          />
        ) : (
          <button type="button" className="btn btn-accent btn-block" onClick={buy} disabled={busy || soldOut || !card.purchasable}>
            {soldOut ? 'Sold out' : !card.purchasable ? 'Not on sale yet' : busy ? 'Holding…' : 'Buy now'}
          </button>
        )}
        {error && <p className="field-error" role="alert">{error}</p>}
      </div>
    </article>
  );
}
