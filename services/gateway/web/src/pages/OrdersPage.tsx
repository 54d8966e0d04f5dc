import { Link } from 'react-router-dom';
import { OrderList } from '../components/orders/OrderList';
import { RequireAuth } from '../components/RequireAuth';
import { useTitle } from '../hooks/useTitle';

function OrdersView() {
  useTitle('Your orders');
  return (
    <section className="page narrow">
      <h1>Your orders</h1>
      <OrderList
        role="ORDER_ROLE_BUYER"
        empty={
          <>
            No orders yet. <Link to="/">See what is live</Link>.
          </>
        }
      />
    </section>
  );
}

/** "/orders": the signed-in buyer's orders, newest first, a page at a time. */
export function OrdersPage() {
  return (
    <RequireAuth>
      <OrdersView />
    </RequireAuth>
  );
}
