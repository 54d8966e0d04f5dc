import { describe, expect, it } from 'vitest';
import { cardOf } from './productCard';

describe('cardOf', () => {
  it('reads a listed fixed-price product as the room would show it', () => {
    const card = cardOf({
      id: 'prd_1',
      title: 'Mug',
      saleMode: 'SALE_MODE_FIXED_PRICE',
      status: 'PRODUCT_STATUS_LISTED',
      price: { amountMinor: '1000', currency: 'USD' },
      stock: { total: '5', available: '2', flashSale: { dealPrice: { amountMinor: '800', currency: 'USD' }, stockCap: '3', taken: '1' } },
      queue: { enabled: true },
      images: [{ renditions: [{ size: 'thumb', url: '/images/t.webp' }, { size: 'card', url: '/images/c.webp' }] }],
      version: '7',
    });
    expect(card).toMatchObject({
      productId: 'prd_1',
      title: 'Mug',
      imageUrl: '/images/c.webp',
      isAuction: false,
      price: { amountMinor: '1000', currency: 'USD' },
      available: '2',
      total: '5',
      soldOut: false,
      purchasable: true,
      queueEnabled: true,
      version: '7',
    });
    expect(card.flashSale?.remaining).toBe('2');
  });

  it('is not purchasable sold out, unlisted, and has no price as an auction', () => {
    expect(cardOf({ id: 'p', status: 'PRODUCT_STATUS_LISTED', stock: { total: '3', available: '0' } })).toMatchObject({ soldOut: true, purchasable: false });
    expect(cardOf({ id: 'p', status: 'PRODUCT_STATUS_DRAFT', stock: { total: '3', available: '3' } }).purchasable).toBe(false);
    const lot = cardOf({ id: 'p', saleMode: 'SALE_MODE_AUCTION', status: 'PRODUCT_STATUS_LISTED', price: { amountMinor: '1', currency: 'USD' } });
    expect(lot.isAuction).toBe(true);
    expect(lot.price).toBeUndefined();
  });
});
