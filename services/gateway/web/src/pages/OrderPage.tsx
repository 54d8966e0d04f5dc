import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { Orders } from '../api/services';
import type { Order } from '../api/types';
import { describeError } from '../api/errors';
import { OrderSummary } from '../components/checkout/OrderSummary';
import { ErrorBanner, Spinner } from '../components/Feedback';
import { ConfirmModal } from '../components/ConfirmModal';
import { SellerActions } from '../components/orders/SellerActions';
import { ShippingAddressView } from '../components/orders/ShippingAddressView';
import { RequireAuth } from '../components/RequireAuth';
import { useAsync } from '../hooks/useAsync';
import { isAdmin, useSession } from '../hooks/useSession';

// What a buyer may still cancel (order's CancelOrder: before it ships).
const CANCELLABLE = new Set(['ORDER_STATUS_PENDING_PAYMENT', 'ORDER_STATUS_CONFIRMED']);

/** The buyer's way out of an order that has not shipped: a paid one is refunded in full. */
function CancelOrder({ order, onCancelled }: { order: Order; onCancelled: (o: Order) => void }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const paid = order.status === 'ORDER_STATUS_CONFIRMED';
  const cancel = async () => {
    setBusy(true);
    setError('');
    try {
      const r = await Orders.CancelOrder({ orderId: order.id, reason: 'CANCEL_REASON_BUYER_REQUESTED' });
      if (r.order) onCancelled(r.order);
      setOpen(false);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" className="btn" onClick={() => setOpen(true)}>
        Cancel order
      </button>
      {open && (
        <ConfirmModal
          title="Cancel this order?"
          confirmLabel="Cancel order"
          busyLabel="Cancelling…"
          busy={busy}
          error={error}
          onClose={() => setOpen(false)}
          onConfirm={() => void cancel()}
        >
          <p>{paid ? 'You get a full refund, and the items go back on sale.' : 'Nothing is charged, and the items go back on sale.'}</p>
        </ConfirmModal>
      )}
    </>
  );
}

function OrderView() {
  const { orderId = '' } = useParams();
  const s = useSession();
  const me = s.user?.id;
  const o = useAsync(() => Orders.GetOrder({ orderId }), [orderId]);
  const order = o.data?.order;
  const replace = (next: Order) => o.setData(() => ({ order: next }));
  const buyer = !!order && order.buyerId === me;
  // The seller (or an admin) fulfils it; a buyer who is also an admin is a buyer here.
  const seller = !!order && !buyer && (order.sellerId === me || isAdmin(s));
  return (
    <section className="page narrow">
      <h1>{seller ? 'Order to fulfil' : 'Your order'}</h1>
      <ErrorBanner error={o.error} onRetry={o.reload} />
      {o.loading && !o.data && <Spinner />}
      {order && <OrderSummary order={order} link={false} />}
      {order && seller && <ShippingAddressView address={order.shippingAddress} />}
      {order && buyer && CANCELLABLE.has(order.status ?? '') && <CancelOrder order={order} onCancelled={replace} />}
      {order && seller && <SellerActions order={order} onChanged={replace} />}
      <p>{seller ? <Link to="/host/orders">All orders to fulfil</Link> : <Link to="/orders">All your orders</Link>}</p>
    </section>
  );
}

export function OrderPage() {
  return (
    <RequireAuth>
      <OrderView />
    </RequireAuth>
  );
}
