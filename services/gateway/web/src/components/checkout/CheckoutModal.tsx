import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Orders, Products } from '../../api/services';
import { ApiError, describeError } from '../../api/errors';
import type { Order, Reservation, ShippingAddress } from '../../api/types';
import { useCountdown } from '../../hooks/useServerNow';
import { violationsByField } from '../../products/schemaForm';
import { randomId } from '../../util/ids';
import { formatMoney } from '../../util/money';
import { Countdown } from '../Countdown';
import { Field } from '../Field';
import { Modal } from '../Modal';
import { AddressFields } from './AddressFields';
import { OrderSummary } from './OrderSummary';
import { TEST_CARDS } from './testCards';

interface Props {
  reservation: Reservation;
  title: string;
  onClose: () => void;
}

const failureText: Record<string, string> = {
  ORDER_FAILURE_REASON_PAYMENT_DECLINED: 'Your card was declined. The item went back on sale; you can try again.',
  ORDER_FAILURE_REASON_RESERVATION_EXPIRED: 'Your hold expired before payment finished. Nothing was charged.',
  ORDER_FAILURE_REASON_PAYMENT_TIMEOUT: 'The payment provider did not answer in time. Nothing was charged.',
  ORDER_FAILURE_REASON_PAYMENT_ERROR: 'The payment failed. Nothing was charged.',
};

/** Hold → checkout → confirmation. The hold's countdown runs in server time; the order is placed
 * with one idempotency key per attempt (a retry of the same attempt reuses it, so nobody is
 * charged twice). */
export function CheckoutModal({ reservation, title, onClose }: Props) {
  const [address, setAddress] = useState<ShippingAddress>({ countryCode: 'US' });
  const [card, setCard] = useState<string>(TEST_CARDS[0].token);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [order, setOrder] = useState<Order | null>(null);
  const attemptKey = useRef(randomId('chk_'));
  const left = useCountdown(reservation.expiresAt);
  const expired = left !== null && left <= 0 && !order;
  // a failed order released the hold: this checkout is over (buy again from the show)
  const failed = order?.status === 'ORDER_STATUS_FAILED';
  const quantity = reservation.quantity ?? 1;
  const unit = reservation.unitPrice;
  const subtotal = unit ? { amountMinor: String(BigInt(unit.amountMinor ?? '0') * BigInt(quantity)), currency: unit.currency } : undefined;

  // a pending payment: poll until it settles
  useEffect(() => {
    if (order?.status !== 'ORDER_STATUS_PENDING_PAYMENT' || !order.id) return;
    const id = setInterval(async () => {
      try {
        const r = await Orders.GetOrder({ orderId: order.id });
        if (r.order) setOrder(r.order);
      } catch {
        /* keep polling */
      }
    }, 2_000);
    return () => clearInterval(id);
  }, [order?.status, order?.id]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const r = await Orders.PlaceOrder({
        reservationId: reservation.id,
        idempotencyKey: attemptKey.current,
        shippingAddress: address,
        paymentMethod: { placeholder: { token: card } },
      });
      setOrder(r.order ?? null);
    } catch (err) {
      setError(err);
      // a definite refusal ends this attempt; a transient one is retried with the same key
      if (err instanceof ApiError && err.code !== 'UNAVAILABLE' && err.code !== 'DEADLINE_EXCEEDED') {
        attemptKey.current = randomId('chk_');
      }
    } finally {
      setBusy(false);
    }
  };

  const cancel = async () => {
    if (!order && reservation.id && !expired) {
      try {
        await Products.ReleaseReservation({ reservationId: reservation.id });
      } catch {
        /* it expires by itself */
      }
    }
    onClose();
  };

  const addrErrors =
    error instanceof ApiError && error.reason === 'ADDRESS_INVALID'
      ? Object.fromEntries(
          Object.entries(violationsByField(error.violations)).map(([k, v]) => [k.replace(/^shippingAddress\./, ''), v]),
        )
      : {};

  if (order && order.status !== 'ORDER_STATUS_FAILED') {
    const confirmed = order.status === 'ORDER_STATUS_CONFIRMED';
    return (
      <Modal title={confirmed ? 'Order confirmed' : 'Processing payment…'} onClose={onClose} footer={<button className="btn btn-primary" onClick={onClose} data-autofocus>Back to the show</button>}>
        <div role="status" data-testid="order-confirmation">
          {confirmed ? <p>Thanks! Your {title} is yours. We emailed you the receipt.</p> : <p>Waiting for the payment provider…</p>}
          <OrderSummary order={order} />
        </div>
      </Modal>
    );
  }

  return (
    <Modal
      title={`Checkout: ${title}`}
      onClose={cancel}
      wide
      footer={
        <>
          <button type="button" className="btn btn-ghost" onClick={cancel}>
            {failed || expired ? 'Close' : 'Cancel and release'}
          </button>
          <button type="submit" form="checkout-form" className="btn btn-accent" disabled={busy || expired || failed}>
            {busy ? 'Paying…' : `Pay ${formatMoney(subtotal)}`}
          </button>
        </>
      }
    >
      <div className={`hold${left !== null && left < 60_000 ? ' hold-urgent' : ''}`} data-testid="hold">
        {expired ? (
          <strong role="alert">Your hold expired. The item went back on sale.</strong>
        ) : (
          <>
            <span>
              {quantity} × {title} held for you at {formatMoney(unit)}
            </span>
            <Countdown to={reservation.expiresAt} label="Hold expires in" done="Expired" urgentBelowMs={60_000} />
          </>
        )}
      </div>
      {order?.status === 'ORDER_STATUS_FAILED' && (
        <div className="banner banner-error" role="alert">
          {failureText[order.failureReason ?? ''] ?? 'The order failed. Nothing was charged.'} Close this and press Buy now to try again.
        </div>
      )}
      {!(error instanceof ApiError && error.reason === 'ADDRESS_INVALID') && error ? (
        <div className="banner banner-error" role="alert">
          {describeError(error)}
        </div>
      ) : null}
      <form id="checkout-form" onSubmit={submit} className="stack" noValidate>
        <AddressFields value={address} onChange={setAddress} errors={addrErrors} />
        <Field label="Payment (test mode)" hint="No real money moves: the test provider decides by card.">
          {({ id, describedBy }) => (
            <select id={id} aria-describedby={describedBy} value={card} onChange={(e) => setCard(e.target.value)}>
              {TEST_CARDS.map((c) => (
                <option key={c.token} value={c.token}>
                  {c.label}
                </option>
              ))}
            </select>
          )}
        </Field>
      </form>
    </Modal>
  );
}
