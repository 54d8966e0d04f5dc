import { useState } from 'react';
import { Link } from 'react-router-dom';
import { OrderList } from '../../components/orders/OrderList';
import { RequireAuth } from '../../components/RequireAuth';
import { useTitle } from '../../hooks/useTitle';

type Tab = 'ship' | 'all';

/** "/host/orders": what a seller sold, the paid orders waiting to be shipped first; each opens
 * the order with its address and the seller's actions (ship, refund, cancel). */
export default function HostOrdersPage() {
  useTitle('Orders to fulfil');
  const [tab, setTab] = useState<Tab>('ship');
  return (
    <RequireAuth role="host">
      <section className="page narrow">
        <h1>Orders</h1>
        <p>
          <Link to="/host">Back to the host console</Link>
        </p>
        <div className="tabs" role="tablist" aria-label="Which orders">
          <button type="button" role="tab" aria-selected={tab === 'ship'} className={`tab${tab === 'ship' ? ' tab-on' : ''}`} onClick={() => setTab('ship')}>
            To ship
          </button>
          <button type="button" role="tab" aria-selected={tab === 'all'} className={`tab${tab === 'all' ? ' tab-on' : ''}`} onClick={() => setTab('all')}>
            All
          </button>
        </div>
        {tab === 'ship' ? (
          <OrderList key="ship" role="ORDER_ROLE_SELLER" statuses={['ORDER_STATUS_CONFIRMED']} empty="Nothing waits to be shipped." />
        ) : (
          <OrderList key="all" role="ORDER_ROLE_SELLER" empty="No orders yet: they appear here as your shows sell." />
        )}
      </section>
    </RequireAuth>
  );
}
