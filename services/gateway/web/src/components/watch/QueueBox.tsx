import { useEffect, useState } from 'react';
import { Products } from '../../api/services';
import type { QueueTicket, Reservation } from '../../api/types';
import { describeError } from '../../api/errors';
import { Countdown } from '../Countdown';

interface Props {
  productId: string;
  queueLength: number;
  /** Ticket ids the room just announced as offered. */
  offered: string[];
  requireLogin: () => boolean;
  onClaimed: (r: Reservation) => void;
}

/** A hot item's queue: join, see your place (polled, and at once when the room announces offers),
 * claim the offer before it lapses. */
export function QueueBox({ productId, queueLength, offered, requireLogin, onClaimed }: Props) {
  const [ticket, setTicket] = useState<QueueTicket | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const ticketId = ticket?.id;
  const live = ticket?.status === 'QUEUE_TICKET_STATUS_WAITING' || ticket?.status === 'QUEUE_TICKET_STATUS_OFFERED';

  useEffect(() => {
    if (!ticketId || !live) return;
    let stop = false;
    const poll = async () => {
      try {
        const r = await Products.GetQueuePosition({ queueTicketId: ticketId });
        if (!stop && r.ticket) setTicket(r.ticket);
      } catch {
        /* keep the last one */
      }
    };
    const id = setInterval(poll, 3_000);
    if (offered.includes(ticketId)) void poll();
    return () => {
      stop = true;
      clearInterval(id);
    };
  }, [ticketId, live, offered]);

  const join = async () => {
    if (!requireLogin()) return;
    setBusy(true);
    setError('');
    try {
      const r = await Products.Enqueue({ productId, quantity: 1 });
      setTicket(r.ticket ?? null);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  const claim = async () => {
    if (!ticketId) return;
    setBusy(true);
    setError('');
    try {
      const r = await Products.ClaimQueueOffer({ queueTicketId: ticketId });
      setTicket(r.ticket ?? null);
      if (r.reservation) onClaimed(r.reservation);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  const leave = async () => {
    if (!ticketId) return;
    try {
      const r = await Products.LeaveQueue({ queueTicketId: ticketId });
      setTicket(r.ticket ?? null);
    } catch (e) {
      setError(describeError(e));
    }
  };

  return (
    <div className="queue">
      {!live && (
        <>
          <p className="muted">High demand: {queueLength} in line. Join the queue to buy.</p>
          <button type="button" className="btn btn-primary btn-block" onClick={join} disabled={busy}>
            Join the queue
          </button>
        </>
      )}
      {ticket?.status === 'QUEUE_TICKET_STATUS_WAITING' && (
        <p role="status">
          You are <strong>#{Number(ticket.position ?? 0)}</strong> of {Number(ticket.queueLength ?? 0)} in line.{' '}
          <button type="button" className="link-btn" onClick={leave}>
            Leave
          </button>
        </p>
      )}
      {ticket?.status === 'QUEUE_TICKET_STATUS_OFFERED' && (
        <div role="alert">
          <p>It is your turn! {ticket.offeredQuantity} held for you.</p>
          <Countdown to={ticket.offerExpiresAt} label="Claim within" />
          <button type="button" className="btn btn-accent btn-block" onClick={claim} disabled={busy}>
            Claim and check out
          </button>
        </div>
      )}
      {ticket && !live && ticket.status !== 'QUEUE_TICKET_STATUS_CLAIMED' && (
        <p className="muted">Your last ticket: {ticket.status?.replace('QUEUE_TICKET_STATUS_', '').toLowerCase()}.</p>
      )}
      {error && <p className="field-error" role="alert">{error}</p>}
    </div>
  );
}
