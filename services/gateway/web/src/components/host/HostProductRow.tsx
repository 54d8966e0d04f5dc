import { useState, type FormEvent } from 'react';
import { Products } from '../../api/services';
import { describeError } from '../../api/errors';
import type { AuctionState, Product } from '../../api/types';
import { useOptimisticProduct } from '../../hooks/useOptimisticProduct';
import type { StockView } from '../../realtime/roomState';
import { formatMoney, moneyInputText, parseMoneyInput } from '../../util/money';
import { Countdown } from '../Countdown';
import { ConflictDialog } from './ConflictDialog';
import { ProductActionModal, type ActionKind } from './ProductActions';

interface Props {
  product: Product;
  stock?: StockView;
  auction?: AuctionState;
  pinned: boolean;
  onChanged: (p: Product) => void;
  onNotice: (msg: string) => void;
}

/** One product in the host's panel: live stock, inline edit (optimistic, with conflict merge),
 * pin/unpin and the selling tools. */
export function HostProductRow({ product, stock, auction, pinned, onChanged, onNotice }: Props) {
  const opt = useOptimisticProduct(product, onChanged);
  // while an edit is in flight (or in conflict) show the optimistic copy; otherwise the newer of
  // the list's product and the last saved copy
  const p = opt.pending || opt.conflict ? opt.shown : Number(product.version ?? 0) >= Number(opt.shown.version ?? 0) ? product : opt.shown;
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState('');
  const [price, setPrice] = useState('');
  const [action, setAction] = useState<ActionKind | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const isAuction = p.saleMode === 'SALE_MODE_AUCTION';
  const available = stock?.available ?? Number(p.stock?.available ?? 0);
  const total = stock?.total ?? Number(p.stock?.total ?? 0);
  const draft = p.status === 'PRODUCT_STATUS_DRAFT';

  const startEdit = () => {
    setTitle(p.title ?? '');
    setPrice(moneyInputText(p.price));
    setEditing(true);
  };
  const saveEdit = async (e: FormEvent) => {
    e.preventDefault();
    setEditing(false);
    const changes: { title?: string; price?: Product['price'] } = {};
    if (title.trim() !== p.title) changes.title = title.trim();
    if (!isAuction && p.price?.currency) {
      const minor = parseMoneyInput(price, p.price.currency);
      if (minor && minor !== p.price.amountMinor) changes.price = { amountMinor: minor, currency: p.price.currency };
    }
    await opt.save(p, changes);
  };
  const togglePin = async () => {
    setBusy(true);
    setError('');
    try {
      if (pinned) await Products.UnpinProduct({ streamId: p.streamId, productId: p.id });
      else await Products.PinProduct({ streamId: p.streamId, productId: p.id, position: 0 });
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  const closeAuction = async () => {
    if (!auction?.auctionId) return;
    try {
      await Products.CloseAuction({ auctionId: auction.auctionId, cancel: false });
    } catch (err) {
      setError(describeError(err));
    }
  };

  return (
    <li className={`host-product${pinned ? ' is-pinned' : ''}${opt.pending ? ' is-pending' : ''}`} data-testid="host-product">
      {editing ? (
        <form className="inline-edit" onSubmit={saveEdit}>
          <label>
            <span className="sr-only">Title</span>
            <input value={title} onChange={(e) => setTitle(e.target.value)} aria-label="Title" autoFocus />
          </label>
          {!isAuction && (
            <label>
              <span className="sr-only">Price</span>
              <input value={price} onChange={(e) => setPrice(e.target.value)} aria-label={`Price (${p.price?.currency})`} inputMode="decimal" />
            </label>
          )}
          <button className="btn btn-small btn-primary" type="submit">
            Save
          </button>
          <button className="btn btn-small btn-ghost" type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <div className="host-product-head">
          <div>
            <strong className="host-product-title">{p.title}</strong>
            {draft && <span className="badge">Draft</span>}
            {pinned && <span className="badge badge-pin">Pinned</span>}
            <div className="muted">
              {isAuction ? 'Auction' : formatMoney(p.price)} · <span data-testid="host-stock">{available}</span>/{total} left
              {opt.pending && ' · saving…'}
            </div>
          </div>
          <button type="button" className="btn btn-small btn-ghost" onClick={startEdit} aria-label={`Edit ${p.title}`}>
            Edit
          </button>
        </div>
      )}
      {auction?.open && (
        <div className="host-auction">
          Bid {formatMoney(auction.currentBid) || '—'} · {Number(auction.bidCount ?? 0)} bids · <Countdown to={auction.endsAt} label="ends in" />
          <button type="button" className="link-btn" onClick={closeAuction}>
            Close now
          </button>
        </div>
      )}
      <div className="host-product-actions" role="group" aria-label={`Actions for ${p.title}`}>
        <button type="button" className="btn btn-small" onClick={togglePin} disabled={busy || draft} aria-pressed={pinned}>
          {pinned ? 'Unpin' : 'Pin'}
        </button>
        {isAuction ? (
          <button type="button" className="btn btn-small" onClick={() => setAction('auction')} disabled={!!auction?.open || draft}>
            Start auction
          </button>
        ) : (
          <>
            <button type="button" className="btn btn-small" onClick={() => setAction('flash')} disabled={draft}>
              Flash sale
            </button>
            <button type="button" className="btn btn-small" onClick={() => setAction('queue')} disabled={draft}>
              Queue
            </button>
            <button type="button" className="btn btn-small" onClick={() => setAction('lottery')} disabled={draft}>
              Lottery
            </button>
          </>
        )}
      </div>
      {error || opt.error ? (
        <p className="field-error" role="alert">
          {error || describeError(opt.error)}
        </p>
      ) : null}
      {action && <ProductActionModal kind={action} product={p} onClose={() => setAction(null)} onDone={onNotice} />}
      {opt.conflict && <ConflictDialog conflict={opt.conflict} onKeepMine={() => void opt.keepMine()} onTakeTheirs={opt.takeTheirs} onClose={opt.takeTheirs} />}
    </li>
  );
}
