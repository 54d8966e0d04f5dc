import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Order } from '../../api/types';
import { SellerActions } from './SellerActions';

let calls: Array<{ method: string; body: Record<string, unknown> }>;
let failFirstRefund: boolean;

const paid: Order = {
  id: 'ord_1',
  status: 'ORDER_STATUS_CONFIRMED',
  total: { amountMinor: '2000', currency: 'USD' },
  lines: [{ title: 'Mug', quantity: 1 }],
};

beforeEach(() => {
  calls = [];
  failFirstRefund = false;
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      const method = url.slice(url.lastIndexOf('/') + 1);
      const body = JSON.parse(String(init.body)) as Record<string, unknown>;
      calls.push({ method, body });
      if (method === 'RefundOrder' && failFirstRefund) {
        failFirstRefund = false;
        return new Response(JSON.stringify({ code: 'UNAVAILABLE', message: 'the payment provider did not answer' }), { status: 503 });
      }
      const status = { MarkOrderShipped: 'ORDER_STATUS_SHIPPED', RefundOrder: 'ORDER_STATUS_REFUNDED', CancelOrder: 'ORDER_STATUS_CANCELLED' }[method];
      return new Response(JSON.stringify({ order: { ...paid, status } }), { status: 200 });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('SellerActions', () => {
  it('offers what the status allows: nothing once refunded, no shipping for an access pass', () => {
    const { rerender } = render(<SellerActions order={paid} onChanged={() => {}} />);
    expect(screen.getByRole('button', { name: 'Mark shipped' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Refund' })).toBeTruthy();
    rerender(<SellerActions order={{ ...paid, status: 'ORDER_STATUS_SHIPPED' }} onChanged={() => {}} />);
    expect(screen.queryByRole('button', { name: 'Mark shipped' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Refund' })).toBeTruthy();
    rerender(<SellerActions order={{ ...paid, lines: [{ accessStreamId: 'str_1', quantity: 1 }] }} onChanged={() => {}} />);
    expect(screen.queryByRole('button', { name: 'Mark shipped' })).toBeNull();
    rerender(<SellerActions order={{ ...paid, status: 'ORDER_STATUS_REFUNDED' }} onChanged={() => {}} />);
    expect(screen.queryByRole('group', { name: 'Seller actions' })).toBeNull();
  });

  it('marks it shipped with a carrier and a well-formed tracking number', async () => {
    const changed = vi.fn();
    render(<SellerActions order={paid} onChanged={changed} />);
    fireEvent.click(screen.getByRole('button', { name: 'Mark shipped' }));
    const dialog = screen.getByRole('dialog', { name: 'Mark the order shipped' });
    const submit = () => dialog.querySelector('button[type="submit"]') as HTMLButtonElement;
    fireEvent.change(screen.getByLabelText('Carrier'), { target: { value: ' DHL ' } });
    fireEvent.change(screen.getByLabelText('Tracking number'), { target: { value: 'JD<01>' } });
    expect(submit().disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Tracking number'), { target: { value: 'JD-0142/7' } });
    fireEvent.click(submit());
    await waitFor(() => expect(changed).toHaveBeenCalled());
    expect(calls).toEqual([{ method: 'MarkOrderShipped', body: { orderId: 'ord_1', carrier: 'DHL', trackingNumber: 'JD-0142/7' } }]);
  });

  it('a refund asked again after a failure carries the same key: it can never be paid twice', async () => {
    failFirstRefund = true;
    const changed = vi.fn();
    render(<SellerActions order={paid} onChanged={changed} />);
    fireEvent.click(screen.getByRole('button', { name: 'Refund' }));
    fireEvent.click(screen.getByRole('button', { name: 'Refund $20.00' }));
    expect(await screen.findByRole('alert')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Refund $20.00' }));
    await waitFor(() => expect(changed).toHaveBeenCalled());
    expect(calls.map((c) => c.method)).toEqual(['RefundOrder', 'RefundOrder']);
    expect(calls[0].body.refundKey).toBeTruthy();
    expect(calls[1].body.refundKey).toBe(calls[0].body.refundKey);
    expect(calls[0].body.keepStock).toBe(false);
  });

  it('refunds part of what is left: the amount is checked, and the stock and status stay', async () => {
    const changed = vi.fn();
    const partly: Order = { ...paid, payment: { refunded: { amountMinor: '500', currency: 'USD' } } };
    render(<SellerActions order={partly} onChanged={changed} />);
    fireEvent.click(screen.getByRole('button', { name: 'Refund' }));
    const amount = screen.getByLabelText('Amount') as HTMLInputElement;
    expect(amount.value).toBe('15.00'); // the $20.00 total less the $5.00 refunded
    expect(screen.getByRole('button', { name: 'Refund $15.00' })).toBeTruthy();
    expect(screen.getByLabelText(/The goods are not coming back/)).toBeTruthy(); // a full refund
    fireEvent.change(amount, { target: { value: '16' } });
    expect(screen.getByText('An amount above zero and at most $15.00.')).toBeTruthy();
    const dialog = within(screen.getByRole('dialog', { name: 'Refund this order?' }));
    expect((dialog.getByRole('button', { name: 'Refund' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(amount, { target: { value: '0' } });
    expect((dialog.getByRole('button', { name: 'Refund' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(amount, { target: { value: '4.5' } });
    expect(screen.queryByLabelText(/The goods are not coming back/)).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Refund $4.50' }));
    await waitFor(() => expect(changed).toHaveBeenCalled());
    expect(calls).toHaveLength(1);
    expect(calls[0].body).toEqual({ orderId: 'ord_1', refundKey: calls[0].body.refundKey, amount: { amountMinor: '450', currency: 'USD' } });
    expect(calls[0].body.refundKey).toBeTruthy();
  });
});
