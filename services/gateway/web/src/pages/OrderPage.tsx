import { useParams } from 'react-router-dom';
import { Orders } from '../api/services';
import { OrderSummary } from '../components/checkout/OrderSummary';
import { ErrorBanner, Spinner } from '../components/Feedback';
import { RequireAuth } from '../components/RequireAuth';
import { useAsync } from '../hooks/useAsync';

function OrderView() {
  const { orderId = '' } = useParams();
  const o = useAsync(() => Orders.GetOrder({ orderId }), [orderId]);
  return (
    <section className="page narrow">
      <h1>Your order</h1>
      <ErrorBanner error={o.error} onRetry={o.reload} />
      {o.loading && !o.data && <Spinner />}
      {o.data?.order && <OrderSummary order={o.data.order} link={false} />}
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
