import { useRef, useState } from 'react';
import { Icon } from '../Icon';
import { Orders } from '../../api/services';
import { describeError } from '../../api/errors';
import type { Money } from '../../api/types';
import { useRequireLogin } from '../../hooks/useRequireLogin';
import { randomId } from '../../util/ids';
import { formatMoney } from '../../util/money';
import { TEST_CARDS } from '../checkout/testCards';

/** A gated show: buy an access pass (an order with no shipping), then it plays. */
export function AccessGate({ streamId, price, signedIn, onGranted }: { streamId: string; price?: Money; signedIn: boolean; onGranted: () => void }) {
  const requireLogin = useRequireLogin();
  const [card, setCard] = useState<string>(TEST_CARDS[0].token);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [paid, setPaid] = useState(false);
  const key = useRef(randomId('acc_'));

  const buy = async () => {
    if (!requireLogin()) return;
    setBusy(true);
    setError('');
    try {
      const r = await Orders.PlaceOrder({ accessStreamId: streamId, idempotencyKey: key.current, paymentMethod: { placeholder: { token: card } } });
      const st = r.order?.status;
      if (st === 'ORDER_STATUS_CONFIRMED') {
        setPaid(true);
        onGranted();
      }
      else if (st === 'ORDER_STATUS_FAILED') {
        key.current = randomId('acc_');
        setError('The payment was declined. Nothing was charged.');
      } else setError('Payment is processing; the show starts playing once it is confirmed.');
    } catch (e) {
      key.current = randomId('acc_');
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="gate" role="region" aria-label="Paid show">
      <p className="gate-title"><Icon name="lock" size={22} /> This is a paid show</p>
      {paid ? (
        <p role="status">Access bought ✓ — the show starts in a moment…</p>
      ) : (
        <p>Get access for {formatMoney(price) || 'a one-time price'} to watch live.</p>
      )}
      {signedIn && !paid && (
        <label className="gate-card">
          <span className="sr-only">Payment (test mode)</span>
          <select value={card} onChange={(e) => setCard(e.target.value)} aria-label="Payment (test mode)">
            {TEST_CARDS.map((c) => (
              <option key={c.token} value={c.token}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
      )}
      {!paid && (
        <button type="button" className="btn btn-accent" onClick={buy} disabled={busy}>
          {signedIn ? (busy ? 'Paying…' : `Buy access ${formatMoney(price)}`) : 'Sign in to buy access'}
        </button>
      )}
      {error && <p className="field-error" role="alert">{error}</p>}
    </div>
  );
}

/** A paid show's replay, for a viewer without an access pass: passes were sold while the show
 * ran, and the replay is for those who bought one (a signed-out visitor may have). */
export function ReplayGate({ signedIn, onSignIn }: { signedIn: boolean; onSignIn: () => void }) {
  return (
    <div className="gate" role="region" aria-label="Paid show replay">
      <p className="gate-title"><Icon name="lock" size={22} /> This was a paid show</p>
      <p>Its replay is for viewers who bought access during the show.</p>
      {!signedIn && (
        <button type="button" className="btn btn-accent" onClick={onSignIn}>
          Bought access? Sign in to watch
        </button>
      )}
    </div>
  );
}
