import { useEffect, useState } from 'react';
import type { Reservation } from '../../api/types';
import { describeError } from '../../api/errors';
import { formatMoney } from '../../util/money';

interface Props {
  /** The hold made for this viewer as they won, or null if they did not win (asked again
   * whenever `loadKey` changes, and every few seconds while it waits to be paid). */
  load: () => Promise<Reservation | null>;
  loadKey: string;
  /** The checkout button's text, e.g. "Check out your win". */
  action: string;
  onCheckout: (r: Reservation) => void;
}

// While a prize waits to be paid, its state is asked again this often: checkout happens in a
// dialog elsewhere on the page, and a hold may run out.
const RECHECK_MS = 4_000;

/** What a viewer who won (an auction's lot, a lottery's prize) sees: the price and the way to
 * pay for the hold made for them, then that it is paid, or that the hold ran out. */
export function WonHold({ load, loadKey, action, onCheckout }: Props) {
  const [held, setHeld] = useState<Reservation | null>(null);
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  const awaitingPayment = held?.status === 'RESERVATION_STATUS_HELD' || held?.status === 'RESERVATION_STATUS_IN_CHECKOUT';

  useEffect(() => {
    let stop = false;
    load().then(
      (r) => {
        if (stop) return;
        setHeld(r);
        setError('');
      },
      (e: unknown) => !stop && setError(describeError(e)),
    );
    return () => {
      stop = true;
    };
    // `load` is a new function every render; `loadKey` says when its answer may differ
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [loadKey, tick]);

  useEffect(() => {
    if (!awaitingPayment) return;
    const id = setTimeout(() => setTick((t) => t + 1), RECHECK_MS);
    return () => clearTimeout(id);
  }, [awaitingPayment, held]);

  if (error) return <p className="field-error" role="alert">{error}</p>;
  if (!held) return null;
  const price = formatMoney(held.unitPrice);
  if (awaitingPayment) {
    return (
      <div className="won-hold" role="status">
        <p>
          <strong>You won</strong> for {price}! It is held for you.
        </p>
        <button type="button" className="btn btn-accent btn-block" onClick={() => onCheckout(held)}>
          {action}
        </button>
      </div>
    );
  }
  if (held.status === 'RESERVATION_STATUS_COMMITTED') {
    return (
      <p className="won-hold" role="status">
        You won for {price} and paid ✓
      </p>
    );
  }
  return (
    <p className="muted" role="status">
      You won for {price}, but the hold ran out before checkout.
    </p>
  );
}
