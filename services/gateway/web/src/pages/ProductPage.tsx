import { useState } from 'react';
import { Link, Navigate, useLocation, useParams, useSearchParams } from 'react-router-dom';
import { Products } from '../api/services';
import type { Reservation } from '../api/types';
import { CheckoutModal } from '../components/checkout/CheckoutModal';
import { ErrorBanner, Spinner } from '../components/Feedback';
import { ProductTile } from '../components/watch/ProductTile';
import { useAsync } from '../hooks/useAsync';
import { useRequireLogin } from '../hooks/useRequireLogin';
import { useTitle } from '../hooks/useTitle';
import { cardOf } from '../products/productCard';

// Stock and the queue move while the page is open; without a room to push them, ask again.
const REFRESH_MS = 5_000;

/** "/products/<id>", where notifications about a product send its buyer: a product on sale in a
 * show opens that show's page (the link's query kept, e.g. "?queue_ticket=…"); one in no show is
 * shown here, with the same tile (price, stock, Buy now or its queue). */
export function ProductPage() {
  const { productId = '' } = useParams();
  const { search } = useLocation();
  const [params] = useSearchParams();
  const requireLogin = useRequireLogin();
  const [checkout, setCheckout] = useState<{ r: Reservation; title: string } | null>(null);
  const got = useAsync(() => Products.GetProduct({ productId }), [productId], { pollMs: REFRESH_MS });
  const product = got.data?.product;
  useTitle(product?.title);

  if (product?.streamId) return <Navigate replace to={`/watch/${product.streamId}${search}`} />;
  if (!product) {
    return (
      <section className="page narrow">
        {got.loading ? <Spinner label="Opening the product" /> : <ErrorBanner error={got.error} onRetry={got.reload} />}
      </section>
    );
  }
  const card = cardOf(product);
  return (
    <section className="page narrow" aria-label={product.title}>
      <h1>{product.title}</h1>
      {product.description && <p className="watch-desc">{product.description}</p>}
      {card.isAuction ? (
        <p className="banner banner-info" role="status">
          This lot is auctioned during a show. <Link to="/">See what is live</Link>.
        </p>
      ) : (
        <div className="product-list">
          <ProductTile
            card={card}
            stock={undefined}
            linkedTicketId={params.get('queue_ticket') ?? undefined}
            requireLogin={requireLogin}
            onCheckout={(r, title) => setCheckout({ r, title })}
          />
        </div>
      )}
      {checkout && <CheckoutModal reservation={checkout.r} title={checkout.title} onClose={() => setCheckout(null)} />}
    </section>
  );
}
