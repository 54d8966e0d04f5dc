import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProductFormModal } from './ProductFormModal';

// The real API client over a stubbed fetch: what the modal sends and how it shows the answers.
const type = {
  id: 'pty_1',
  name: 'Sneakers',
  parameters: [{ key: 'size', label: 'Size', kind: 'PARAMETER_KIND_INTEGER', required: true, minValue: '30', maxValue: '50' }],
};

let validateBodies: Array<Record<string, unknown>>;
let createBodies: Array<Record<string, unknown>>;

function respond(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

beforeEach(() => {
  validateBodies = [];
  createBodies = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      const body = JSON.parse(String(init.body ?? '{}')) as Record<string, unknown>;
      if (url.endsWith('/ListProductTypes')) return respond({ productTypes: [type] });
      if (url.endsWith('/ListShippingProfiles')) return respond({ shippingProfiles: [{ id: 'shp_1', name: 'Standard' }] });
      if (url.endsWith('/ValidateProduct')) {
        validateBodies.push(body);
        const product = body.product as { price?: { amountMinor?: string } };
        const violations = product.price?.amountMinor === '10' ? [{ field: 'product.price', reason: 'PRICE_OUT_OF_RANGE', description: 'The price must be at least $1.00.' }] : [];
        return respond({ violations });
      }
      if (url.endsWith('/CreateProduct')) {
        createBodies.push(body);
        return respond(
          {
            code: 'INVALID_ARGUMENT',
            message: 'invalid product',
            errorInfo: { reason: 'TITLE_INVALID', field: 'product.title' },
            details: [{ violations: [{ field: 'product.title', reason: 'TITLE_INVALID', description: 'The title has a control character.' }] }],
          },
          400,
        );
      }
      return respond({ code: 'NOT_FOUND' }, 404);
    }),
  );
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('ProductFormModal', () => {
  it('builds its fields from the schema and shows server violations next to the field as the host types', async () => {
    render(<ProductFormModal streamId="str_1" currencies={['USD']} onClose={() => {}} onCreated={() => {}} />);
    const dialog = await screen.findByRole('dialog', { name: 'Add a product' }, { timeout: 5000 });
    const size = await within(dialog).findByLabelText(/^Size/, {}, { timeout: 5000 });

    // local check at once, no server round trip needed
    fireEvent.change(size, { target: { value: '99' } });
    expect(await within(dialog).findByText('Size must be between 30 and 50.', {}, { timeout: 5000 })).toBeTruthy();
    expect(size.getAttribute('aria-invalid')).toBe('true');

    // server check (debounced ValidateProduct) on the price
    const price = within(dialog).getByLabelText('Price *');
    fireEvent.change(price, { target: { value: '0.10' } });
    const err = await within(dialog).findByText('The price must be at least $1.00.', {}, { timeout: 5000 });
    expect(price.getAttribute('aria-invalid')).toBe('true');
    expect(price.getAttribute('aria-describedby')).toContain(err.parentElement?.id ?? 'missing');
    const last = validateBodies[validateBodies.length - 1] as { product: Record<string, unknown>; initialStock: string };
    expect(last.product).toMatchObject({ streamId: 'str_1', productTypeId: 'pty_1', price: { amountMinor: '10', currency: 'USD' }, parameters: { size: { integerValue: '99' } } });

    // fixed: the errors go away
    fireEvent.change(price, { target: { value: '49' } });
    fireEvent.change(size, { target: { value: '42' } });
    await waitFor(() => expect(within(dialog).queryByText('The price must be at least $1.00.')).toBeNull(), { timeout: 5000 });
    expect(within(dialog).queryByText('Size must be between 30 and 50.')).toBeNull();
  });

  it('shows every violation of a refused create on its field and keeps the dialog open', async () => {
    const onCreated = vi.fn();
    render(<ProductFormModal streamId="str_1" currencies={['USD']} onClose={() => {}} onCreated={onCreated} />);
    const dialog = await screen.findByRole('dialog', { name: 'Add a product' }, { timeout: 5000 });
    const size = await within(dialog).findByLabelText(/^Size/, {}, { timeout: 5000 });
    fireEvent.change(size, { target: { value: '40' } });
    fireEvent.change(within(dialog).getByLabelText('Price *'), { target: { value: '20' } });
    fireEvent.change(within(dialog).getByLabelText('Title *'), { target: { value: 'bad\u0007title' } });
    await waitFor(() => expect(within(dialog).getByLabelText('Shipping profile *')).toHaveProperty('value', 'shp_1'), { timeout: 5000 });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create and drop' }));
    expect(await within(dialog).findByText('The title has a control character.', {}, { timeout: 5000 })).toBeTruthy();
    expect(createBodies).toHaveLength(1);
    expect(typeof createBodies[0].idempotencyKey).toBe('string');
    expect(onCreated).not.toHaveBeenCalled();
  });
});
