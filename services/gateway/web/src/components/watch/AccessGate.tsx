import { useRef, useState } from 'react';
import { Icon } from '../Icon';
import { Orders } from '../../api/services';
import { describeError } from '../../api/errors';
import type { Money } from '../../api/types';
import { useRequireLogin } from '../../hooks/useRequireLogin';
import { randomId } from '../../util/ids';
import { formatMoney } from '../../util/money';
import { TEST_CARDS } from '../checkout/testCards';

type GateProps = { streamId: string; price?: Money; signedIn: boolean; onGranted: () => void };

/** What a gate says; `price` is the formatted access price, '' when unknown. */
type GateText = {
  label: string;
  title: string;
  offer: (price: string) => string;
  buy: (price: string) => string;
  signIn: string;
  bought: string;
  pending: string;
};

/** Buys a gated stream's access pass (an order with no shipping): the same order live and,
 * once the show has ended with its recording kept, for its replay. On CONFIRMED `onGranted`
 * makes the page ask for playback again. */
function PassGate({ streamId, price, signedIn, onGranted, text }: GateProps & { text: GateText }) {
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
      } else setError(text.pending);
    } catch (e) {
      key.current = randomId('acc_');
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="gate" role="region" aria-label={text.label}>
      <p className="gate-title"><Icon name="lock" size={22} /> {text.title}</p>
      {paid ? (
        <p role="status">{text.bought}</p>
      ) : (
        <p>{text.offer(formatMoney(price) || 'a one-time price')}</p>
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
          {signedIn ? (busy ? 'Paying…' : text.buy(formatMoney(price))) : text.signIn}
        </button>
      )}
      {error && <p className="field-error" role="alert">{error}</p>}
    </div>
  );
}

const LIVE: GateText = {
  label: 'Paid show',
  title: 'This is a paid show',
  offer: (price) => `Get access for ${price} to watch live.`,
  buy: (price) => `Buy access ${price}`,
  signIn: 'Sign in to buy access',
  bought: 'Access bought ✓ — the show starts in a moment…',
  pending: 'Payment is processing; the show starts playing once it is confirmed.',
};

const REPLAY: GateText = {
  label: 'Paid show replay',
  title: 'This was a paid show',
  offer: (price) => `Watch the replay for ${price}.`,
  buy: (price) => `Buy the replay ${price}`,
  // a signed-out visitor may already hold a pass on their account: signing in plays it
  signIn: 'Sign in to watch or buy',
  bought: 'Access bought ✓ — the replay starts in a moment…',
  pending: 'Payment is processing; once it is confirmed, reload this page to watch the replay.',
};

/** A gated show: buy an access pass, then it plays. */
export function AccessGate(props: GateProps) {
  return <PassGate {...props} text={LIVE} />;
}

/** A paid show's replay, for a viewer without an access pass: the same pass, bought after the
 * show (while its recording is kept), plays it. A signed-out visitor signs in first, and may
 * find they hold one already. */
export function ReplayGate(props: GateProps) {
  return <PassGate {...props} text={REPLAY} />;
}
