import { useState, type FormEvent } from 'react';
import { Icon } from '../Icon';
import { Products } from '../../api/services';
import type { AuctionState, Reservation } from '../../api/types';
import { describeError } from '../../api/errors';
import { useSession } from '../../hooks/useSession';
import { randomId } from '../../util/ids';
import { formatMoney, moneyInputText, parseMoneyInput } from '../../util/money';
import { Countdown } from '../Countdown';
import { WonHold } from './WonHold';
import { parseDuration } from '../../time/serverClock';

interface Props {
  auction: AuctionState;
  extension?: { by: string; at: number };
  requireLogin: () => boolean;
  onWon: (r: Reservation) => void;
}

/** The auction: current bid and leader, countdown (extensions flash as they happen), a bid at
 * the minimum or up to a maximum of the viewer's (product-inventory bids for them, one
 * increment at a time, only as high as a rival makes it: what a bid is there), raising it while
 * leading, buy-now, and for the winner once it closes, checkout of the lot. */
export function AuctionCard({ auction, extension, requireLogin, onWon }: Props) {
  const me = useSession().user?.id;
  const currency = auction.minimumNextBid?.currency ?? auction.currentBid?.currency ?? 'USD';
  const [amount, setAmount] = useState('');
  // the maximum this page last bid (the server keeps it hidden from everyone else)
  const [myMax, setMyMax] = useState<{ auctionId: string; minor: string } | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const leading = !!me && auction.leader?.userId === me;
  const shownMax = leading && myMax && myMax.auctionId === auction.auctionId ? myMax.minor : null;

  const bid = async (minor: string) => {
    setBusy(true);
    setError('');
    try {
      await Products.PlaceBid({ auctionId: auction.auctionId, amount: { amountMinor: minor, currency }, idempotencyKey: randomId('bid_') });
      setMyMax({ auctionId: auction.auctionId ?? '', minor });
      setAmount('');
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  const winnersHold = async () => {
    const { auction: a } = await Products.GetAuction({ auctionId: auction.auctionId });
    if (!a?.winnerReservationId || a.winnerId !== me) return null;
    return (await Products.GetReservation({ reservationId: a.winnerReservationId })).reservation ?? null;
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!requireLogin()) return;
    const minor = amount ? parseMoneyInput(amount, currency) : (auction.minimumNextBid?.amountMinor ?? null);
    if (!minor) return setError('Enter an amount like 12.50.');
    void bid(minor);
  };
  const label = leading ? (amount ? 'Raise my maximum' : 'You lead') : amount ? 'Bid up to this' : `Bid ${formatMoney(auction.minimumNextBid)}`;
  const buyNow = async () => {
    if (!requireLogin()) return;
    setBusy(true);
    setError('');
    try {
      const r = await Products.BuyNow({ auctionId: auction.auctionId, expectedPrice: auction.buyNowPrice, idempotencyKey: randomId('bn_') });
      if (r.reservation) onWon(r.reservation);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  const recentlyExtended = extension && Date.now() - extension.at < 6_000;

  return (
    <div className="auction" aria-label="Auction">
      <div className="auction-head">
        <span className="auction-current">
          {auction.currentBid ? (
            <>
              Current bid <strong>{formatMoney(auction.currentBid)}</strong>
            </>
          ) : (
            <>
              Starting at <strong>{formatMoney(auction.minimumNextBid)}</strong>
            </>
          )}
        </span>
        {auction.open ? <Countdown to={auction.endsAt} label="Ends in" urgentBelowMs={15_000} /> : <span className="badge">Closed</span>}
      </div>
      {recentlyExtended && (
        <p className="auction-ext" role="status">
          <Icon name="hourglass" size={14} /> Extended by {Math.round((parseDuration(extension.by) ?? 0) / 1000)} s
        </p>
      )}
      <p className="muted">
        {Number(auction.bidCount ?? 0)} bids
        {auction.leader && <> · leading: {leading ? 'you' : auction.leader.displayName || 'a bidder'}</>}
        {auction.reserveMet === false && auction.currentBid && ' · reserve not met'}
      </p>
      {auction.open && (
        <>
          <form className="inline-form" onSubmit={submit}>
            <label className="sr-only" htmlFor={`bid-${auction.auctionId}`}>
              Your maximum bid ({currency})
            </label>
            <input
              id={`bid-${auction.auctionId}`}
              inputMode="decimal"
              placeholder={leading ? 'A higher maximum' : moneyInputText(auction.minimumNextBid)}
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
              aria-describedby={`bid-help-${auction.auctionId}`}
            />
            <button className="btn btn-primary" type="submit" disabled={busy || (leading && !amount)}>
              {label}
            </button>
          </form>
          <p className="muted auction-help" id={`bid-help-${auction.auctionId}`}>
            {shownMax
              ? `Your maximum: ${formatMoney({ amountMinor: shownMax, currency })}. We bid for you up to it, only as high as a rival makes us.`
              : 'A bid is your maximum: we bid for you, one step at a time, only as high as a rival makes us.'}
          </p>
          {auction.buyNowAvailable && auction.buyNowPrice && (
            <button type="button" className="btn btn-accent btn-block" onClick={buyNow} disabled={busy}>
              Buy now for {formatMoney(auction.buyNowPrice)}
            </button>
          )}
        </>
      )}
      {!auction.open && leading && (
        // the last leader: product-inventory's outcome says whether they won (not below a
        // reserve, not cancelled) and names the hold made for them as it closed
        <WonHold load={winnersHold} loadKey={`${auction.auctionId}:${auction.version}`} action="Check out your win" onCheckout={onWon} />
      )}
      {error && <p className="field-error" role="alert">{error}</p>}
    </div>
  );
}
