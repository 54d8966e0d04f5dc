import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Icon } from '../Icon';
import { Products } from '../../api/services';
import type { AuctionState, Reservation } from '../../api/types';
import { describeError } from '../../api/errors';
import { useSession } from '../../hooks/useSession';
import { randomId } from '../../util/ids';
import { formatMoney, moneyInputText, parseMoneyInput } from '../../util/money';
import { Countdown } from '../Countdown';
import { parseDuration } from '../../time/serverClock';

interface Props {
  auction: AuctionState;
  extension?: { by: string; at: number };
  requireLogin: () => boolean;
  onWon: (r: Reservation) => void;
}

/** The auction: current bid and leader, countdown (extensions flash as they happen), a bid at
 * the minimum or any amount, an auto-bid up to a maximum while the page is open, and buy-now. */
export function AuctionCard({ auction, extension, requireLogin, onWon }: Props) {
  const me = useSession().user?.id;
  const currency = auction.minimumNextBid?.currency ?? auction.currentBid?.currency ?? 'USD';
  const [amount, setAmount] = useState('');
  const [maxBid, setMaxBid] = useState('');
  const [autoMax, setAutoMax] = useState<string | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const leading = !!me && auction.leader?.userId === me;
  const lastAuto = useRef('');

  const bid = async (minor: string) => {
    setBusy(true);
    setError('');
    try {
      await Products.PlaceBid({ auctionId: auction.auctionId, amount: { amountMinor: minor, currency }, idempotencyKey: randomId('bid_') });
      setAmount('');
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  // auto-bid: when outbid and the next minimum is within the maximum, bid it
  useEffect(() => {
    if (!autoMax || !auction.open || leading || busy) return;
    const next = auction.minimumNextBid?.amountMinor;
    if (!next || BigInt(next) > BigInt(autoMax)) return;
    const key = `${auction.version}:${next}`;
    if (lastAuto.current === key) return;
    lastAuto.current = key;
    void bid(next);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [autoMax, auction.version, auction.open, leading]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!requireLogin()) return;
    const minor = amount ? parseMoneyInput(amount, currency) : (auction.minimumNextBid?.amountMinor ?? null);
    if (!minor) return setError('Enter an amount like 12.50.');
    void bid(minor);
  };
  const setAuto = (e: FormEvent) => {
    e.preventDefault();
    if (!requireLogin()) return;
    const minor = parseMoneyInput(maxBid, currency);
    if (!minor) return setError('Enter a maximum like 50.00.');
    setAutoMax(minor);
  };
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
              Your bid ({currency})
            </label>
            <input
              id={`bid-${auction.auctionId}`}
              inputMode="decimal"
              placeholder={moneyInputText(auction.minimumNextBid)}
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
            />
            <button className="btn btn-primary" type="submit" disabled={busy || leading}>
              {leading ? 'You lead' : `Bid ${amount ? '' : formatMoney(auction.minimumNextBid)}`}
            </button>
          </form>
          <form className="inline-form" onSubmit={setAuto}>
            <label className="sr-only" htmlFor={`max-${auction.auctionId}`}>
              Maximum bid ({currency})
            </label>
            <input id={`max-${auction.auctionId}`} inputMode="decimal" placeholder="Max bid" value={maxBid} onChange={(e) => setMaxBid(e.target.value)} />
            <button className="btn" type="submit">
              {autoMax ? 'Update max' : 'Auto-bid'}
            </button>
          </form>
          {autoMax && (
            <p className="muted">
              Auto-bidding up to {formatMoney({ amountMinor: autoMax, currency })} while this page is open.{' '}
              <button type="button" className="link-btn" onClick={() => setAutoMax(null)}>
                Stop
              </button>
            </p>
          )}
          {auction.buyNowAvailable && auction.buyNowPrice && (
            <button type="button" className="btn btn-accent btn-block" onClick={buyNow} disabled={busy}>
              Buy now for {formatMoney(auction.buyNowPrice)}
            </button>
          )}
        </>
      )}
      {error && <p className="field-error" role="alert">{error}</p>}
    </div>
  );
}
