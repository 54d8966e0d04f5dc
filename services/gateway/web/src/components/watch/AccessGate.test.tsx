import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import { session } from '../../auth/session';
import { AccessGate, ReplayGate } from './AccessGate';

const price = { amountMinor: '499', currency: 'USD' };

// PlaceOrder's answers, in turn; the orders asked for.
let answers: Array<{ status: number; body: unknown }>;
let orders: Array<Record<string, unknown>>;

beforeEach(() => {
  session.state = { status: 'signedIn', user: { id: 'usr_me' } };
  answers = [];
  orders = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      if (url.endsWith('/PlaceOrder')) {
        orders.push(JSON.parse(String(init.body)) as Record<string, unknown>);
        const a = answers.shift()!;
        return new Response(JSON.stringify(a.body), { status: a.status });
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

const order = (status: string) => ({ status: 200, body: { order: { id: 'ord_1', status, total: price } } });

function Where() {
  const loc = useLocation();
  return <p data-testid="where">{loc.pathname + loc.search}</p>;
}

function replayGate(props: { signedIn?: boolean; onGranted?: () => void; withPrice?: boolean } = {}) {
  render(
    <MemoryRouter initialEntries={['/watch/str_1']}>
      <Routes>
        <Route
          path="/watch/:streamId"
          element={<ReplayGate streamId="str_1" price={props.withPrice === false ? undefined : price} signedIn={props.signedIn ?? true} onGranted={props.onGranted ?? (() => {})} />}
        />
        <Route path="/login" element={<Where />} />
      </Routes>
    </MemoryRouter>,
  );
}

describe('ReplayGate', () => {
  it("shows the show's access price and buys the pass for the stream", async () => {
    answers = [order('ORDER_STATUS_CONFIRMED')];
    replayGate();
    const region = screen.getByRole('region', { name: 'Paid show replay' });
    expect(region.textContent).toContain('This was a paid show');
    expect(screen.getByText('Watch the replay for $4.99.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Buy the replay $4.99' }));
    await waitFor(() => expect(orders).toHaveLength(1));
    expect(orders[0]).toMatchObject({ accessStreamId: 'str_1', paymentMethod: { placeholder: { token: 'pm_test_approve' } } });
    expect(orders[0].idempotencyKey).toMatch(/^acc_/);
    expect(orders[0]).not.toHaveProperty('reservationId');
  });

  it('asks the page to play the replay once the payment is confirmed', async () => {
    answers = [order('ORDER_STATUS_CONFIRMED')];
    const granted = vi.fn();
    replayGate({ onGranted: granted });
    fireEvent.click(screen.getByRole('button', { name: 'Buy the replay $4.99' }));
    expect((await screen.findByRole('status')).textContent).toBe('Access bought ✓ — the replay starts in a moment…');
    expect(granted).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('button')).toBeNull();
    expect(screen.queryByLabelText('Payment (test mode)')).toBeNull();
  });

  it('shows a declined card, and a retry is a new order (a new idempotency key)', async () => {
    answers = [order('ORDER_STATUS_FAILED'), order('ORDER_STATUS_CONFIRMED')];
    const granted = vi.fn();
    replayGate({ onGranted: granted });
    fireEvent.change(screen.getByLabelText('Payment (test mode)'), { target: { value: 'pm_test_card_declined' } });
    fireEvent.click(screen.getByRole('button', { name: 'Buy the replay $4.99' }));
    expect((await screen.findByRole('alert')).textContent).toBe('The payment was declined. Nothing was charged.');
    expect(granted).not.toHaveBeenCalled();
    expect(orders[0]).toMatchObject({ paymentMethod: { placeholder: { token: 'pm_test_card_declined' } } });

    fireEvent.change(screen.getByLabelText('Payment (test mode)'), { target: { value: 'pm_test_approve' } });
    await waitFor(() => expect((screen.getByRole('button', { name: 'Buy the replay $4.99' }) as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(screen.getByRole('button', { name: 'Buy the replay $4.99' }));
    await waitFor(() => expect(granted).toHaveBeenCalledTimes(1));
    expect(orders).toHaveLength(2);
    expect(orders[1].idempotencyKey).not.toBe(orders[0].idempotencyKey);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it("shows the server's refusal (the recording is no longer kept)", async () => {
    answers = [
      {
        status: 412,
        body: { code: 'FAILED_PRECONDITION', message: 'This show has ended; its access is no longer sold.', errorInfo: { reason: 'STREAM_ENDED' } },
      },
    ];
    const granted = vi.fn();
    replayGate({ onGranted: granted });
    fireEvent.click(screen.getByRole('button', { name: 'Buy the replay $4.99' }));
    expect((await screen.findByRole('alert')).textContent).toContain('This show has ended; its access is no longer sold.');
    expect(granted).not.toHaveBeenCalled();
    expect(screen.getByRole('button', { name: 'Buy the replay $4.99' })).toBeTruthy();
  });

  it('says "a one-time price" when the price is unknown', () => {
    replayGate({ withPrice: false });
    expect(screen.getByText('Watch the replay for a one-time price.')).toBeTruthy();
  });

  it('offers a signed-out visitor to sign in (to watch a pass they hold, or buy one), and back', async () => {
    session.state = { status: 'signedOut', user: null };
    replayGate({ signedIn: false });
    expect(screen.getByText('Watch the replay for $4.99.')).toBeTruthy();
    expect(screen.queryByLabelText('Payment (test mode)')).toBeNull();
    expect(screen.queryByRole('combobox')).toBeNull();
    expect(screen.queryByRole('button', { name: /Buy the replay/ })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Sign in to watch or buy' }));
    expect((await screen.findByTestId('where')).textContent).toBe('/login?return=%2Fwatch%2Fstr_1');
    expect(orders).toEqual([]);
  });
});

describe('AccessGate', () => {
  it('sells the live show the same way, in its own words', async () => {
    answers = [order('ORDER_STATUS_CONFIRMED')];
    const granted = vi.fn();
    render(
      <MemoryRouter>
        <AccessGate streamId="str_1" price={price} signedIn onGranted={granted} />
      </MemoryRouter>,
    );
    expect(screen.getByRole('region', { name: 'Paid show' }).textContent).toContain('This is a paid show');
    expect(screen.getByText('Get access for $4.99 to watch live.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Buy access $4.99' }));
    expect((await screen.findByRole('status')).textContent).toBe('Access bought ✓ — the show starts in a moment…');
    expect(granted).toHaveBeenCalledTimes(1);
    expect(orders[0]).toMatchObject({ accessStreamId: 'str_1' });
  });
});
