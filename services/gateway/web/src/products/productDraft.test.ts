import { describe, expect, it } from 'vitest';
import { draftFromForm, emptyForm } from './productDraft';

const type = {
  id: 'pty_1',
  parameters: [
    { key: 'size', label: 'Size', kind: 'PARAMETER_KIND_INTEGER' as const, required: true },
    { key: 'colour', label: 'Colour', kind: 'PARAMETER_KIND_CHOICE' as const, choices: ['red'] },
  ],
};

describe('product draft from the host form', () => {
  it('builds a fixed-price draft in the proto JSON shape', () => {
    const f = { ...emptyForm(), productTypeId: 'pty_1', title: ' Red sneakers ', price: '49.90', initialStock: '5', shippingProfileId: 'shp_1', params: { size: '42', colour: '' } };
    const { product, initialStock } = draftFromForm(f, type, 'str_1');
    expect(initialStock).toBe('5');
    expect(product).toMatchObject({
      streamId: 'str_1',
      productTypeId: 'pty_1',
      title: 'Red sneakers',
      saleMode: 'SALE_MODE_FIXED_PRICE',
      price: { amountMinor: '4990', currency: 'USD' },
      parameters: { size: { integerValue: '42' } },
      status: 'PRODUCT_STATUS_LISTED',
    });
    expect(product.auctionSettings).toBeUndefined();
  });

  it('builds an auction draft with settings and no price', () => {
    const f = { ...emptyForm(), saleMode: 'SALE_MODE_AUCTION' as const, startingBid: '10', buyNowPrice: '25', auctionSeconds: '90' };
    const { product } = draftFromForm(f, type, '');
    expect(product.price).toBeUndefined();
    expect(product.auctionSettings).toEqual({
      startingBid: { amountMinor: '1000', currency: 'USD' },
      reservePrice: undefined,
      buyNowPrice: { amountMinor: '2500', currency: 'USD' },
      duration: '90s',
    });
  });

  it('sends an unreadable amount so the server names the field', () => {
    const { product } = draftFromForm({ ...emptyForm(), price: 'abc' }, undefined, '');
    expect(product.price).toEqual({ amountMinor: '-1', currency: 'USD' });
  });
});
