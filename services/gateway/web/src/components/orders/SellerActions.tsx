import { useRef, useState, type FormEvent } from 'react';
import { Orders } from '../../api/services';
import type { Order } from '../../api/types';
import { describeError } from '../../api/errors';
import { formatMoney, money, moneyInputText, parseMoneyInput } from '../../util/money';
import { randomId } from '../../util/ids';
import { Field } from '../Field';
import { ConfirmModal } from '../ConfirmModal';
import { Modal } from '../Modal';

type Dialog = 'ship' | 'refund' | 'cancel' | null;

// Carrier: 1..100 characters; tracking: 1..100 of letters, digits and " - . _ /" inside.
const TRACKING = /^[A-Za-z0-9](?:[A-Za-z0-9 ._/-]{0,98}[A-Za-z0-9])?$/;

/** What is left to refund of `order`: its total less the refunds so far. */
export function refundable(order: Order): bigint {
  const refunded = BigInt(order.payment?.refunded?.amountMinor ?? '0');
  const left = BigInt(order.total?.amountMinor ?? '0') - refunded;
  return left > 0n ? left : 0n;
}

/** What the seller does with a sold order: mark it shipped (carrier and tracking number), refund
 * it (all that is left, or a part of it as a goodwill gesture), or cancel it when it cannot be
 * fulfilled. Each answer replaces the order shown. */
export function SellerActions({ order, onChanged }: { order: Order; onChanged: (o: Order) => void }) {
  const [open, setOpen] = useState<Dialog>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [carrier, setCarrier] = useState('');
  const [tracking, setTracking] = useState('');
  const [keepStock, setKeepStock] = useState(false);
  const [amount, setAmount] = useState('');
  // One refund per dialog: a retry after a lost answer is the same refund, never a second one.
  const refundKey = useRef('');
  const status = order.status ?? '';
  const physical = (order.lines ?? []).some((l) => !l.accessStreamId);
  const canShip = status === 'ORDER_STATUS_CONFIRMED' && physical;
  const canRefund = status === 'ORDER_STATUS_CONFIRMED' || status === 'ORDER_STATUS_SHIPPED';
  const canCancel = status === 'ORDER_STATUS_CONFIRMED' || status === 'ORDER_STATUS_PENDING_PAYMENT';
  if (!canShip && !canRefund && !canCancel) return null;

  const show = (d: Dialog) => {
    setError('');
    if (d === 'refund') {
      refundKey.current = randomId('rf_');
      setAmount(moneyInputText(money(refundable(order).toString(), currency)));
    }
    setOpen(d);
  };
  const run = async (call: () => Promise<{ order?: Order }>) => {
    setBusy(true);
    setError('');
    try {
      const r = await call();
      if (r.order) onChanged(r.order);
      setOpen(null);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  const ship = (e: FormEvent) => {
    e.preventDefault();
    void run(() => Orders.MarkOrderShipped({ orderId: order.id, carrier: carrier.trim(), trackingNumber: tracking.trim() }));
  };
  const trackingOk = TRACKING.test(tracking.trim());
  // The refund: all that is left unless the seller types less. A change of amount is a new
  // refund (a new key); a retry of the same amount is the same one.
  const currency = order.total?.currency ?? 'USD';
  const left = refundable(order);
  const minor = parseMoneyInput(amount, currency);
  const amountOk = minor !== null && BigInt(minor) > 0n && BigInt(minor) <= left;
  const partial = amountOk && BigInt(minor!) < left;
  const refund = () =>
    void run(() =>
      Orders.RefundOrder({
        orderId: order.id,
        refundKey: refundKey.current,
        ...(partial ? { amount: money(minor!, currency) } : { keepStock }),
      }),
    );
  const close = () => !busy && setOpen(null);

  return (
    <div className="seller-actions" aria-label="Seller actions" role="group">
      {canShip && (
        <button type="button" className="btn btn-primary" onClick={() => show('ship')}>
          Mark shipped
        </button>
      )}
      {canRefund && (
        <button type="button" className="btn" onClick={() => show('refund')}>
          Refund
        </button>
      )}
      {canCancel && (
        <button type="button" className="btn" onClick={() => show('cancel')}>
          Cannot fulfil: cancel
        </button>
      )}
      {open === 'ship' && (
        <Modal title="Mark the order shipped" onClose={close}>
          <form onSubmit={ship} className="stack" noValidate>
            <Field label="Carrier">
              {({ id }) => <input id={id} value={carrier} maxLength={100} onChange={(e) => setCarrier(e.target.value)} data-autofocus />}
            </Field>
            <Field
              label="Tracking number"
              hint="Letters, digits, and - . _ / inside"
              errors={tracking.trim() && !trackingOk ? ['Letters, digits, and - . _ / inside, up to 100.'] : undefined}
            >
              {({ id, describedBy, invalid }) => (
                <input id={id} aria-describedby={describedBy} aria-invalid={invalid} value={tracking} maxLength={100} onChange={(e) => setTracking(e.target.value)} />
              )}
            </Field>
            {error && (
              <p className="field-error" role="alert">
                {error}
              </p>
            )}
            <button type="submit" className="btn btn-primary" disabled={busy || !carrier.trim() || !trackingOk}>
              {busy ? 'Saving…' : 'Mark shipped'}
            </button>
          </form>
        </Modal>
      )}
      {open === 'refund' && (
        <ConfirmModal
          title="Refund this order?"
          confirmLabel={amountOk ? `Refund ${formatMoney(money(minor!, currency))}` : 'Refund'}
          busyLabel="Refunding…"
          busy={busy}
          confirmDisabled={!amountOk}
          error={error}
          onClose={() => setOpen(null)}
          onConfirm={refund}
        >
          <Field
            label="Amount"
            hint={`Up to ${formatMoney(money(left.toString(), currency))}, what is not refunded yet`}
            errors={amount.trim() && !amountOk ? [`An amount above zero and at most ${formatMoney(money(left.toString(), currency))}.`] : undefined}
          >
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                inputMode="decimal"
                aria-describedby={describedBy}
                aria-invalid={invalid}
                value={amount}
                onChange={(e) => {
                  setAmount(e.target.value);
                  refundKey.current = randomId('rf_');
                }}
              />
            )}
          </Field>
          <p>{partial ? 'A partial refund: the order and its items stay as they are.' : 'The buyer gets back everything not refunded yet.'}</p>
          {physical && !partial && (
            <label>
              <input type="checkbox" checked={keepStock} onChange={(e) => setKeepStock(e.target.checked)} /> The goods are not coming back (keep them
              sold)
            </label>
          )}
        </ConfirmModal>
      )}
      {open === 'cancel' && (
        <ConfirmModal
          title="Cancel this order?"
          confirmLabel="Cancel order"
          busyLabel="Cancelling…"
          busy={busy}
          error={error}
          onClose={() => setOpen(null)}
          onConfirm={() => void run(() => Orders.CancelOrder({ orderId: order.id, reason: 'CANCEL_REASON_SELLER_CANNOT_FULFIL' }))}
        >
          <p>The buyer is refunded in full and told why; the items go back on sale.</p>
        </ConfirmModal>
      )}
    </div>
  );
}
