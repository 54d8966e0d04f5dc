import { useState } from 'react';
import { Icon } from '../Icon';
import { Products } from '../../api/services';
import type { LotteryState, Reservation } from '../../api/types';
import { describeError } from '../../api/errors';
import { useServerNow } from '../../hooks/useServerNow';
import { useSession } from '../../hooks/useSession';
import { Countdown } from '../Countdown';
import { WonHold } from './WonHold';

interface Props {
  lottery: LotteryState;
  /** The drawn winners' user ids (from the room's lottery_drawn event). */
  winnerIds?: string[];
  requireLogin: () => boolean;
  onWon: (r: Reservation) => void;
}

/** A lottery drop: enter during the window, see the entrant count, and check out if drawn. */
export function LotteryBox({ lottery, winnerIds, requireLogin, onWon }: Props) {
  const me = useSession().user?.id;
  const now = useServerNow(1000);
  const [entered, setEntered] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const opens = Date.parse(lottery.opensAt ?? '');
  const closes = Date.parse(lottery.closesAt ?? '');
  const open = !lottery.drawn && !lottery.cancelled && now >= opens && now < closes;

  const enter = async () => {
    if (!requireLogin()) return;
    setBusy(true);
    setError('');
    try {
      await Products.EnterLottery({ lotteryId: lottery.lotteryId });
      setEntered(true);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  // the prize: the hold the draw made for this winner (in the draw's own transaction)
  const prize = async () => {
    const l = await Products.GetLottery({ lotteryId: lottery.lotteryId });
    const win = l.lottery?.winners?.find((w) => w.userId === me);
    if (!win?.reservationId) return null;
    return (await Products.GetReservation({ reservationId: win.reservationId })).reservation ?? null;
  };
  const won = lottery.drawn && !!me && !!winnerIds?.includes(me);

  return (
    <div className="lottery">
      <p>
        <Icon name="ticket" /> Lottery: {lottery.units} to win · <strong>{Number(lottery.entrantCount ?? 0)}</strong> entered
      </p>
      {lottery.cancelled && <p className="muted">This lottery was called off.</p>}
      {!lottery.drawn && !lottery.cancelled && now < opens && <Countdown to={lottery.opensAt} label="Entries open in" />}
      {open && (
        <>
          <Countdown to={lottery.closesAt} label="Closes in" />
          <button type="button" className="btn btn-primary btn-block" onClick={enter} disabled={busy || entered}>
            {entered ? 'You are in ✓' : 'Enter the lottery'}
          </button>
        </>
      )}
      {!lottery.drawn && !lottery.cancelled && now >= closes && <p className="muted">Drawing winners…</p>}
      {lottery.drawn && <p className="muted">Winners drawn.</p>}
      {won && <WonHold load={prize} loadKey={`${lottery.lotteryId}:${lottery.version}`} action="Check out your prize" onCheckout={onWon} />}
      {error && <p className="field-error" role="alert">{error}</p>}
    </div>
  );
}
