import { useEffect, useState } from 'react';
import { Products } from '../../api/services';
import type { QueueTicket, Reservation } from '../../api/types';
import { ApiError, describeError } from '../../api/errors';
import { useSession } from '../../hooks/useSession';
import { forgetTicket, rememberedTicket, rememberTicket } from '../../products/queueTickets';
import { Countdown } from '../Countdown';

interface Props {
  productId: string;
  queueLength: number;
  /** Ticket ids the room just announced as offered. */
  offered: string[];
  requireLogin: () => boolean;
  onClaimed: (r: Reservation) => void;
  /** A ticket the page was opened with (a queue offer's link, "?queue_ticket=qtk_…"): shown here
   * if it is this product's. */
  linkedTicketId?: string;
}

const isLive = (t: QueueTicket | null | undefined) =>
  t?.status === 'QUEUE_TICKET_STATUS_WAITING' || t?.status === 'QUEUE_TICKET_STATUS_OFFERED';

/** A hot item's queue: join, see your place (polled, and at once when the room announces offers),
 * claim the offer before it lapses. The viewer's live ticket survives a reload and is found again
 * from a queue offer's link. */
export function QueueBox({ productId, queueLength, offered, requireLogin, onClaimed, linkedTicketId }: Props) {
  const userId = useSession().user?.id ?? '';
  const [ticket, setTicket] = useState<QueueTicket | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const ticketId = ticket?.id;
  const live = isLive(ticket);

  // The ticket this viewer already holds: the link's, else the one remembered in this browser.
  useEffect(() => {
    if (!userId) return;
    const remembered = rememberedTicket(userId, productId);
    const candidates = [...new Set([linkedTicketId, remembered].filter((t): t is string => !!t))];
    if (candidates.length === 0) return;
    let stop = false;
    void (async () => {
      for (const id of candidates) {
        try {
          const r = await Products.GetQueuePosition({ queueTicketId: id });
          if (stop) return;
          if (r.ticket?.productId !== productId) continue; // the link names another product's
          setTicket((cur) => (isLive(cur) ? cur : (r.ticket ?? null))); // one joined meanwhile wins
          return;
        } catch (e) {
          // someone else's or gone: never ask for it again; anything else: ask on the next visit
          const code = e instanceof ApiError ? e.code : '';
          if (id === remembered && (code === 'NOT_FOUND' || code === 'PERMISSION_DENIED')) forgetTicket(userId, productId);
        }
      }
    })();
    return () => {
      stop = true;
    };
  }, [userId, productId, linkedTicketId]);

  // Remember a live ticket; forget one that reached its end (claimed, left, lapsed, cancelled).
  useEffect(() => {
    if (!userId || !ticket?.id || ticket.productId !== productId) return;
    if (isLive(ticket)) rememberTicket(userId, productId, ticket.id);
    else forgetTicket(userId, productId);
  }, [userId, productId, ticket]);

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
