import { Link } from 'react-router-dom';
import type { Order } from '../../api/types';
import { formatMoney } from '../../util/money';

const statusText: Record<string, string> = {
  ORDER_STATUS_PENDING_PAYMENT: 'Payment in progress',
  ORDER_STATUS_CONFIRMED: 'Confirmed',
  ORDER_STATUS_SHIPPED: 'Shipped',
  ORDER_STATUS_CANCELLED: 'Cancelled',
  ORDER_STATUS_FAILED: 'Failed',
  ORDER_STATUS_REFUNDED: 'Refunded',
};

export function orderStatusText(o: Order): string {
  return statusText[o.status ?? ''] ?? 'Unknown';
}

/** An order's lines and totals (the confirmation, the order page). */
export function OrderSummary({ order, link = true }: { order: Order; link?: boolean }) {
  return (
    <div className="order-summary" data-testid="order-summary">
      <p>
        Order <code>{order.id}</code> · <strong data-testid="order-status">{orderStatusText(order)}</strong>
      </p>
      <ul className="order-lines">
        {(order.lines ?? []).map((l, i) => (
          <li key={i}>
            <span>
              {l.quantity ?? 1} × {l.title || (l.accessStreamId ? 'Show access pass' : 'Item')}
            </span>
            <span>{formatMoney(l.lineTotal)}</span>
          </li>
        ))}
        {order.shipping && Number(order.shipping.amountMinor ?? 0) > 0 && (
          <li>
            <span>Shipping</span>
            <span>{formatMoney(order.shipping)}</span>
          </li>
        )}
        <li className="order-total">
          <span>Total</span>
          <span>{formatMoney(order.total)}</span>
        </li>
        {Number(order.payment?.refunded?.amountMinor ?? 0) > 0 && (
          <li data-testid="order-refunded">
            <span>Refunded</span>
            <span>−{formatMoney(order.payment?.refunded)}</span>
          </li>
        )}
      </ul>
      {order.carrier && (
        <p data-testid="order-tracking">
          Shipped with {order.carrier}, tracking number <code>{order.trackingNumber}</code>
        </p>
      )}
      {link && order.id && <Link to={`/orders/${order.id}`}>View order</Link>}
    </div>
  );
}
