// The host's product form state and the Product draft it stands for (what ValidateProduct and
// CreateProduct take). Kept apart from the React component so it is tested on its own.
import type { Money, Product, ProductType, SaleMode } from '../api/types';
import { durationJson } from '../time/serverClock';
import { parseMoneyInput } from '../util/money';
import { fieldsFromSchema, toParameterValue, type RawValue } from './schemaForm';

export interface ProductFormState {
  productTypeId: string;
  title: string;
  description: string;
  saleMode: SaleMode;
  currency: string;
  price: string;
  startingBid: string;
  reservePrice: string;
  buyNowPrice: string;
  auctionSeconds: string;
  initialStock: string;
  shippingProfileId: string;
  weightGrams: string;
  maxPerUser: string;
  listNow: boolean;
  params: Record<string, RawValue>;
}

export function emptyForm(): ProductFormState {
  return {
    productTypeId: '',
    title: '',
    description: '',
    saleMode: 'SALE_MODE_FIXED_PRICE',
    currency: 'USD',
    price: '',
    startingBid: '',
    reservePrice: '',
    buyNowPrice: '',
    auctionSeconds: '120',
    initialStock: '1',
    shippingProfileId: '',
    weightGrams: '',
    maxPerUser: '',
    listNow: true,
    params: {},
  };
}

/** Money from typed text; an unreadable amount is sent as-is so the server names the field. */
function moneyOf(text: string, currency: string): Money | undefined {
  const t = text.trim();
  if (!t) return undefined;
  const minor = parseMoneyInput(t, currency);
  return { amountMinor: minor ?? '-1', currency };
}

export function draftFromForm(f: ProductFormState, type: ProductType | undefined, streamId: string): { product: Product; initialStock: string } {
  const parameters: NonNullable<Product['parameters']> = {};
  for (const field of fieldsFromSchema(type)) {
    const v = toParameterValue(field, f.params[field.key], f.currency);
    if (v) parameters[field.key] = v;
  }
  const product: Product = {
    streamId: streamId || undefined,
    productTypeId: f.productTypeId || undefined,
    title: f.title.trim(),
    description: f.description.trim() || undefined,
    parameters,
    saleMode: f.saleMode,
    shippingProfileId: f.shippingProfileId || undefined,
    status: f.listNow ? 'PRODUCT_STATUS_LISTED' : 'PRODUCT_STATUS_DRAFT',
  };
  if (f.weightGrams.trim()) product.weightGrams = f.weightGrams.trim();
  if (f.maxPerUser.trim()) product.purchaseLimit = { maxQuantityPerUser: Number(f.maxPerUser) || 0 };
  if (f.saleMode === 'SALE_MODE_AUCTION') {
    const secs = Number(f.auctionSeconds);
    product.auctionSettings = {
      startingBid: moneyOf(f.startingBid, f.currency),
      reservePrice: moneyOf(f.reservePrice, f.currency),
      buyNowPrice: moneyOf(f.buyNowPrice, f.currency),
      duration: Number.isFinite(secs) && secs > 0 ? durationJson(secs * 1000) : undefined,
    };
  } else {
    product.price = moneyOf(f.price, f.currency);
  }
  const stock = f.initialStock.trim();
  return { product, initialStock: /^\d+$/.test(stock) ? stock : '0' };
}
