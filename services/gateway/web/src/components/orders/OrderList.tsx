import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { Orders } from '../../api/services';
import type { ListOrdersRequest, Order } from '../../api/types';
import { formatMoney } from '../../util/money';
import { orderStatusText } from '../checkout/OrderSummary';
import { ErrorBanner, Spinner } from '../Feedback';

const PAGE_SIZE = 20;

function what(o: Order): string {
  const lines = o.lines ?? [];
  const first = lines[0];
  const name = first ? first.title || (first.accessStreamId ? 'Show access pass' : 'Item') : 'Order';
  return lines.length > 1 ? `${name} and ${lines.length - 1} more` : name;
}

interface Props {
  role: 'ORDER_ROLE_BUYER' | 'ORDER_ROLE_SELLER';
  statuses?: ListOrdersRequest['statuses'];
  empty: React.ReactNode;
}

/** Orders newest first, a page at a time ("Show more"), each a link to its page. */
export function OrderList({ role, statuses, empty }: Props) {
  const [orders, setOrders] = useState<Order[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const filter = (statuses ?? []).join(',');

  // `token` '' asks for the first page.
  const load = useCallback(
    async (token: string) => {
      setLoading(true);
      setError(undefined);
      try {
        const r = await Orders.ListOrders({
          role,
          statuses: filter ? (filter.split(',') as ListOrdersRequest['statuses']) : [],
          page: { pageSize: PAGE_SIZE, pageToken: token },
        });
        setOrders((prev) => (token ? [...prev, ...(r.orders ?? [])] : (r.orders ?? [])));
        setNext(r.page?.nextPageToken || null);
      } catch (e) {
        setError(e);
      } finally {
        setLoading(false);
      }
    },
    [role, filter],
  );

  useEffect(() => {
    setOrders([]);
    void load('');
  }, [load]);

  return (
    <>
      <ErrorBanner error={error} onRetry={() => void load(orders.length ? (next ?? '') : '')} />
      {!loading && !error && orders.length === 0 && <p className="empty">{empty}</p>}
      <ul className="order-list" aria-label="Orders">
        {orders.map((o) => (
          <li key={o.id} data-testid="order-row">
            <Link to={`/orders/${o.id}`}>
              <span className="order-what">{what(o)}</span>
              <span className="muted">{o.createdAt ? new Date(o.createdAt).toLocaleString() : ''}</span>
              <span>{formatMoney(o.total)}</span>
              <strong>{orderStatusText(o)}</strong>
            </Link>
          </li>
        ))}
      </ul>
      {loading && <Spinner label="Loading orders" />}
      {!loading && next && (
        <button type="button" className="btn" onClick={() => void load(next)}>
          Show more
        </button>
      )}
    </>
  );
}
