import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryRouter } from 'react-router-dom';
import { CheckoutModal } from './CheckoutModal';

const reservation = {
  id: 'res_1',
  productId: 'prd_1',
  quantity: 1,
  unitPrice: { amountMinor: '4500', currency: 'USD' },
  expiresAt: new Date(Date.now() + 240_000).toISOString(),
};

let answers: Array<{ status: number; body: unknown }>;
let orders: Array<Record<string, unknown>>;

beforeEach(() => {
  orders = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      if (url.endsWith('/PlaceOrder')) {
        orders.push(JSON.parse(String(init.body)) as Record<string, unknown>);
        const a = answers.shift()!;
        return new Response(JSON.stringify(a.body), { status: a.status });
      }
      return new Response('{}', { status: 200 });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function fill() {
  fireEvent.change(screen.getByLabelText('Full name'), { target: { value: 'Vera Viewer' } });
  fireEvent.change(screen.getByLabelText('Address'), { target: { value: '1 Market St' } });
  fireEvent.change(screen.getByLabelText('City'), { target: { value: 'Springfield' } });
  fireEvent.change(screen.getByLabelText('Postal code'), { target: { value: '12345' } });
}

function renderModal() {
  render(
    <MemoryRouter>
      <CheckoutModal reservation={reservation} title="Mug" onClose={() => {}} />
    </MemoryRouter>,
  );
}

describe('CheckoutModal', () => {
  it('shows the hold countdown, retries a lost answer with the same idempotency key, and confirms', async () => {
    answers = [
      { status: 503, body: { code: 'UNAVAILABLE', message: 'The service is busy; please try again.', errorInfo: { reason: 'INVENTORY_UNAVAILABLE' } } },
      { status: 200, body: { order: { id: 'ord_1', status: 'ORDER_STATUS_CONFIRMED', total: { amountMinor: '5000', currency: 'USD' }, lines: [{ title: 'Mug', quantity: 1 }] } } },
    ];
    renderModal();
    expect(screen.getByRole('timer').getAttribute('aria-label')).toMatch(/^Hold expires in: [34]:\d\d$/);
    fill();
    fireEvent.click(screen.getByRole('button', { name: 'Pay $45.00' }));
    expect(await screen.findByText('The service is busy; please try again.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Pay $45.00' }));
    expect(await screen.findByRole('dialog', { name: 'Order confirmed' })).toBeTruthy();
    expect(orders).toHaveLength(2);
    expect(orders[0].idempotencyKey).toBe(orders[1].idempotencyKey);
    expect(orders[1]).toMatchObject({
      reservationId: 'res_1',
      shippingAddress: { recipientName: 'Vera Viewer', line1: '1 Market St', city: 'Springfield', postalCode: '12345', countryCode: 'US' },
      paymentMethod: { placeholder: { token: 'pm_test_approve' } },
    });
    expect(screen.getByTestId('order-status').textContent).toBe('Confirmed');
  });

  it('shows a declined card as a failed order and ends the attempt', async () => {
    answers = [{ status: 200, body: { order: { id: 'ord_2', status: 'ORDER_STATUS_FAILED', failureReason: 'ORDER_FAILURE_REASON_PAYMENT_DECLINED' } } }];
    renderModal();
    fill();
    fireEvent.change(screen.getByLabelText('Payment (test mode)'), { target: { value: 'pm_test_card_declined' } });
    fireEvent.click(screen.getByRole('button', { name: 'Pay $45.00' }));
    expect(await screen.findByText(/Your card was declined/)).toBeTruthy();
    await waitFor(() => expect((screen.getByRole('button', { name: 'Pay $45.00' }) as HTMLButtonElement).disabled).toBe(true));
    expect(orders[0]).toMatchObject({ paymentMethod: { placeholder: { token: 'pm_test_card_declined' } } });
  });
});
