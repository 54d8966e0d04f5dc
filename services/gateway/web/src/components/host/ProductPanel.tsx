import { useCallback, useEffect, useState } from 'react';
import { Products } from '../../api/services';
import type { Product } from '../../api/types';
import { useAsync } from '../../hooks/useAsync';
import type { RoomView } from '../../realtime/roomState';
import { ErrorBanner, Notice } from '../Feedback';
import { HostProductRow } from './HostProductRow';
import { ProductFormModal } from './ProductFormModal';

/** The right-side product panel: the stream's products with live stock, and the action button
 * that opens the create-product modal. */
export function ProductPanel({ streamId, room, currencies, ended }: { streamId: string; room: RoomView; currencies: string[]; ended: boolean }) {
  const list = useAsync(() => Products.ListStreamProducts({ streamId, page: { pageSize: 100 } }), [streamId]);
  const [open, setOpen] = useState(false);
  const [notice, setNotice] = useState('');
  const products = list.data?.products ?? [];
  const roomIds = room.products.map((p) => p.productId).join(',');

  // a product announced in the room that the list does not have yet: reload
  useEffect(() => {
    if (!list.data) return;
    const known = new Set(products.map((p) => p.id));
    if (room.products.some((p) => p.productId && !known.has(p.productId))) list.reload();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [roomIds]);

  const replace = useCallback(
    (p: Product) => list.setData((d) => ({ ...d, products: (d?.products ?? []).map((x) => (x.id === p.id ? p : x)) })),
    [list],
  );
  const created = async (p: Product, pin: boolean) => {
    list.setData((d) => ({ ...d, products: [p, ...(d?.products ?? []).filter((x) => x.id !== p.id)] }));
    setNotice(`“${p.title}” is ${p.status === 'PRODUCT_STATUS_DRAFT' ? 'saved as a draft' : 'live in the show'}.`);
    if (pin && p.id) {
      try {
        await Products.PinProduct({ streamId, productId: p.id, position: 0 });
      } catch (e) {
        setNotice(`Created, but not pinned: ${(e as Error).message}`);
      }
    }
  };

  return (
    <section className="panel product-panel" aria-label="Products">
      <div className="panel-head">
        <h2 className="panel-title">Products</h2>
        <button type="button" className="btn btn-primary" onClick={() => setOpen(true)} disabled={ended}>
          + Add product
        </button>
      </div>
      {notice && <Notice tone="success">{notice}</Notice>}
      <ErrorBanner error={list.error} onRetry={list.reload} />
      {list.data && products.length === 0 && <p className="empty">No products yet. Add one to drop it into the show.</p>}
      <ul className="host-products">
        {products.map((p) => (
          <HostProductRow
            key={p.id}
            product={p}
            stock={room.stock[p.id ?? '']}
            auction={room.auctions[p.id ?? '']}
            pinned={room.pinnedIds.includes(p.id ?? '')}
            onChanged={replace}
            onNotice={setNotice}
          />
        ))}
      </ul>
      {open && <ProductFormModal streamId={streamId} currencies={currencies} onClose={() => setOpen(false)} onCreated={(p, pin) => void created(p, pin)} />}
    </section>
  );
}
