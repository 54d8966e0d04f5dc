import { useState, type FormEvent } from 'react';
import { Products } from '../../api/services';
import { describeError } from '../../api/errors';
import type { Product } from '../../api/types';
import { durationJson } from '../../time/serverClock';
import { randomId } from '../../util/ids';
import { parseMoneyInput } from '../../util/money';
import { Modal } from '../Modal';

export type ActionKind = 'flash' | 'lottery' | 'queue' | 'auction';

const titles: Record<ActionKind, string> = {
  flash: 'Start a flash sale',
  lottery: 'Start a lottery drop',
  queue: 'Queue mode',
  auction: 'Start the auction',
};

/** The host's selling tools for one product, each a small form in a dialog. */
export function ProductActionModal({ kind, product, onClose, onDone }: { kind: ActionKind; product: Product; onClose: () => void; onDone: (msg: string) => void }) {
  const cur = product.price?.currency ?? 'USD';
  const [a, setA] = useState(kind === 'flash' ? '' : kind === 'lottery' ? '1' : '60');
  const [b, setB] = useState(kind === 'flash' ? '10' : kind === 'lottery' ? '60' : '');
  const [c, setC] = useState(kind === 'flash' ? '120' : '');
  const [d, setD] = useState(kind === 'flash' ? String(product.stock?.available ?? 1) : '');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const queueOn = !!product.queue?.enabled;

  const run = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      if (kind === 'flash') {
        const minor = parseMoneyInput(a, cur);
        if (!minor) throw new Error('Enter the deal price like 9.99.');
        await Products.ScheduleFlashSale({
          productId: product.id,
          sale: { dealPrice: { amountMinor: minor, currency: cur }, stockCap: d || '1' },
          countdown: durationJson(Number(b) * 1000),
          duration: durationJson(Number(c) * 1000),
        });
        onDone('Flash sale scheduled.');
      } else if (kind === 'lottery') {
        await Products.StartLottery({ productId: product.id, units: Number(a), duration: durationJson(Number(b) * 1000), idempotencyKey: randomId('lot_') });
        onDone('Lottery open.');
      } else if (kind === 'queue') {
        await Products.ConfigureQueue({ productId: product.id, settings: { enabled: !queueOn, claimWindow: durationJson(Number(a) * 1000) } });
        onDone(queueOn ? 'Queue turned off.' : 'Queue on: buyers line up first.');
      } else {
        await Products.StartAuction({ productId: product.id, duration: a ? durationJson(Number(a) * 1000) : undefined, idempotencyKey: randomId('auc_') });
        onDone('Auction started.');
      }
      onClose();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const num = (label: string, v: string, set: (s: string) => void, mode: 'numeric' | 'decimal' = 'numeric') => (
    <label className="field">
      <span>{label}</span>
      <input inputMode={mode} value={v} onChange={(e) => set(e.target.value)} />
    </label>
  );

  return (
    <Modal
      title={`${titles[kind]}: ${product.title}`}
      onClose={onClose}
      footer={
        <button type="submit" form="action-form" className="btn btn-primary" disabled={busy}>
          {kind === 'queue' ? (queueOn ? 'Turn queue off' : 'Turn queue on') : 'Start'}
        </button>
      }
    >
      <form id="action-form" className="stack" onSubmit={run}>
        {kind === 'flash' && (
          <>
            {num(`Deal price (${cur})`, a, setA, 'decimal')}
            {num('Starts in (seconds)', b, setB)}
            {num('Runs for (seconds)', c, setC)}
            {num('Units at this price', d, setD)}
          </>
        )}
        {kind === 'lottery' && (
          <>
            {num('Units to win', a, setA)}
            {num('Entry window (seconds)', b, setB)}
          </>
        )}
        {kind === 'queue' && (
          <>
            <p>{queueOn ? 'Buyers queue for this product now. Turning it off cancels waiting tickets.' : 'For hot items: buyers join a first-come queue and get a hold when it is their turn.'}</p>
            {!queueOn && num('Seconds to claim an offer', a, setA)}
          </>
        )}
        {kind === 'auction' && num('Length (seconds, empty = the product setting)', a, setA)}
      </form>
      {error && <p className="field-error" role="alert">{error}</p>}
    </Modal>
  );
}
