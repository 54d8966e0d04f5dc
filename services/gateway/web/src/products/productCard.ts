import type { FlashSale, FlashSaleCard, Product, ProductCard } from '../api/types';

// A product as the watch page's tiles show it, built from the catalogue's own record (the product
// page of a product in no show has no room to send cards). The same reading as product-inventory's
// room events (common/room_events.cc CardOf), so a product looks the same on both pages.

function flashSaleCard(sale: FlashSale): FlashSaleCard {
  const remaining = Math.max(Number(sale.stockCap ?? 0) - Number(sale.taken ?? 0), 0);
  return { dealPrice: sale.dealPrice, stockCap: sale.stockCap, remaining: String(remaining), opensAt: sale.opensAt, closesAt: sale.closesAt };
}

function imageOf(p: Product): string {
  if (p.imageUrls?.length) return p.imageUrls[0];
  const first = p.images?.[0];
  const renditions = first?.renditions ?? [];
  return (renditions.find((r) => r.size === 'card') ?? renditions[0])?.url ?? '';
}

export function cardOf(p: Product): ProductCard {
  const auction = p.saleMode === 'SALE_MODE_AUCTION';
  const listed = p.status === 'PRODUCT_STATUS_LISTED';
  const card: ProductCard = {
    productId: p.id,
    title: p.title,
    imageUrl: imageOf(p),
    isAuction: auction,
    queueEnabled: !!p.queue?.enabled,
    openAuctionId: p.openAuctionId,
    version: p.version,
  };
  if (!auction && p.price) card.price = p.price;
  if (p.stock) {
    const available = Number(p.stock.available ?? 0);
    const total = Number(p.stock.total ?? 0);
    card.available = String(available);
    card.total = String(total);
    card.soldOut = total > 0 && available === 0;
    card.purchasable = listed && available > 0;
    if (p.stock.flashSale) card.flashSale = flashSaleCard(p.stock.flashSale);
  } else {
    card.purchasable = listed;
  }
  return card;
}
