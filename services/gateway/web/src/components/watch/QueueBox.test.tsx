import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../../auth/session';
import { rememberedTicket, rememberTicket } from '../../products/queueTickets';
import { QueueBox } from './QueueBox';

// Tickets the fake product-inventory knows, by id; anything else is NOT_FOUND.
let tickets: Record<string, Record<string, unknown>>;
let asked: string[];

const offered = (id: string, productId: string) => ({
  id,
  productId,
  status: 'QUEUE_TICKET_STATUS_OFFERED',
  offeredQuantity: 1,
  offerExpiresAt: new Date(Date.now() + 60_000).toISOString(),
});

beforeEach(() => {
  localStorage.clear();
  session.state = { status: 'signedIn', user: { id: 'usr_me' } };
  tickets = {};
  asked = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      const body = JSON.parse(String(init.body)) as { queueTicketId?: string };
      if (url.endsWith('/GetQueuePosition')) {
        asked.push(body.queueTicketId ?? '');
        const t = tickets[body.queueTicketId ?? ''];
        if (t) return new Response(JSON.stringify({ ticket: t }), { status: 200 });
        return new Response(JSON.stringify({ code: 'NOT_FOUND', message: 'no ticket', errorInfo: { reason: 'QUEUE_TICKET_NOT_FOUND' } }), { status: 404 });
      }
      if (url.endsWith('/Enqueue')) {
        tickets.qtk_new = { id: 'qtk_new', productId: 'prd_1', status: 'QUEUE_TICKET_STATUS_WAITING', position: '3', queueLength: '3' };
        return new Response(JSON.stringify({ ticket: tickets.qtk_new }), { status: 200 });
      }
      if (url.endsWith('/LeaveQueue')) {
        return new Response(JSON.stringify({ ticket: { ...tickets.qtk_new, status: 'QUEUE_TICKET_STATUS_LEFT' } }), { status: 200 });
      }
      return new Response('{}', { status: 404 });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  session.state = { status: 'loading', user: null };
});

const box = (linkedTicketId?: string) =>
  render(<QueueBox productId="prd_1" queueLength={2} offered={[]} requireLogin={() => true} onClaimed={() => {}} linkedTicketId={linkedTicketId} />);

describe('QueueBox', () => {
  it('finds the offer again after a reload: the ticket is remembered in this browser', async () => {
    tickets.qtk_a = offered('qtk_a', 'prd_1');
    rememberTicket('usr_me', 'prd_1', 'qtk_a');
    box();
    expect(await screen.findByText(/It is your turn!/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Claim and check out' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Join the queue' })).toBeNull();
  });

  it("opens the offer a notification's link names, and remembers it", async () => {
    tickets.qtk_b = offered('qtk_b', 'prd_1');
    box('qtk_b');
    expect(await screen.findByText(/It is your turn!/)).toBeTruthy();
    await waitFor(() => expect(rememberedTicket('usr_me', 'prd_1')).toBe('qtk_b'));
  });

  it("ignores a linked ticket of another product, and forgets one the server no longer knows", async () => {
    tickets.qtk_c = offered('qtk_c', 'prd_other');
    rememberTicket('usr_me', 'prd_1', 'qtk_gone');
    box('qtk_c');
    await waitFor(() => expect(asked).toEqual(['qtk_c', 'qtk_gone']));
    await waitFor(() => expect(rememberedTicket('usr_me', 'prd_1')).toBeNull());
    expect(screen.getByRole('button', { name: 'Join the queue' })).toBeTruthy();
    expect(screen.queryByText(/It is your turn!/)).toBeNull();
  });

  it('remembers a ticket on joining and forgets it on leaving', async () => {
    box();
    fireEvent.click(screen.getByRole('button', { name: 'Join the queue' }));
    expect(await screen.findByText(/in line\./)).toBeTruthy();
    await waitFor(() => expect(rememberedTicket('usr_me', 'prd_1')).toBe('qtk_new'));
    fireEvent.click(screen.getByRole('button', { name: 'Leave' }));
    await waitFor(() => expect(rememberedTicket('usr_me', 'prd_1')).toBeNull());
    expect(await screen.findByText('Your last ticket: left.')).toBeTruthy();
  });

  it('remembers nothing for a signed-out visitor', async () => {
    session.state = { status: 'signedOut', user: null };
    rememberTicket('usr_me', 'prd_1', 'qtk_a');
    box('qtk_a');
    expect(screen.getByRole('button', { name: 'Join the queue' })).toBeTruthy();
    expect(asked).toEqual([]);
  });
});
