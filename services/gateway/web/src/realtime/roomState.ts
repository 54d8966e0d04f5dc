// A room as the page draws it: built from the subscription's snapshot, then kept current by
// room events. Pure functions (no React), so the rules are tested on their own: versions and
// revisions are compared so a late, older update never overwrites a newer one.
import type {
  AuctionState,
  ChatMessage,
  FlashSaleCard,
  LotteryState,
  ProductCard,
  RoomEvent,
  RoomSnapshot,
  SaleTicker,
  StreamStatus,
} from '../api/types';

export const CHAT_KEEP = 200;
export const SALES_KEEP = 20;

export interface StockView {
  available: number;
  total: number;
  soldOut: boolean;
  revision: number;
  flashSale?: FlashSaleCard;
}

export interface RoomView {
  loaded: boolean;
  sequence: number;
  status: StreamStatus;
  playbackUrl: string;
  reconnectDeadline?: string;
  viewers: number;
  peakViewers: number;
  viewerVersion: number;
  likes: number;
  dislikes: number;
  reactionVersion: number;
  /** Every product attached to the stream, newest first. */
  products: ProductCard[];
  /** Pinned product ids in display order. */
  pinnedIds: string[];
  stock: Record<string, StockView>;
  auctions: Record<string, AuctionState>;
  /** The last extension per auction (for an "extended +15 s" flash). */
  extensions: Record<string, { by: string; at: number }>;
  lotteries: Record<string, LotteryState>;
  /** Winners per lottery id, once drawn. */
  lotteryWinners: Record<string, string[]>;
  queues: Record<string, { enabled: boolean; length: number; offered: string[] }>;
  chat: ChatMessage[];
  sales: SaleTicker[];
  unitsSold: number;
  closed: boolean;
}

export function emptyRoom(): RoomView {
  return {
    loaded: false,
    sequence: 0,
    status: 'STREAM_STATUS_UNSPECIFIED',
    playbackUrl: '',
    viewers: 0,
    peakViewers: 0,
    viewerVersion: 0,
    likes: 0,
    dislikes: 0,
    reactionVersion: 0,
    products: [],
    pinnedIds: [],
    stock: {},
    auctions: {},
    extensions: {},
    lotteries: {},
    lotteryWinners: {},
    queues: {},
    chat: [],
    sales: [],
    unitsSold: 0,
    closed: false,
  };
}

const n = (v: string | number | undefined) => Number(v ?? 0);

function stockFromCard(c: ProductCard): StockView {
  return {
    available: n(c.available),
    total: n(c.total),
    soldOut: !!c.soldOut,
    revision: 0,
    flashSale: c.flashSale,
  };
}

export function fromSnapshot(s: RoomSnapshot): RoomView {
  const room = emptyRoom();
  room.loaded = true;
  room.sequence = n(s.sequence);
  room.status = s.streamStatus?.status ?? 'STREAM_STATUS_UNSPECIFIED';
  room.playbackUrl = s.streamStatus?.playbackUrl ?? '';
  room.reconnectDeadline = s.streamStatus?.reconnectDeadline;
  room.viewers = n(s.viewerCount);
  room.likes = n(s.totalLikes);
  room.dislikes = n(s.totalDislikes);
  const byId = new Map<string, ProductCard>();
  for (const p of s.products ?? []) if (p.productId) byId.set(p.productId, p);
  for (const p of s.pinned ?? []) if (p.productId && !byId.has(p.productId)) byId.set(p.productId, p);
  room.products = [...byId.values()];
  room.pinnedIds = (s.pinned ?? []).map((p) => p.productId ?? '').filter(Boolean);
  for (const p of room.products) room.stock[p.productId ?? ''] = stockFromCard(p);
  for (const a of s.auctions ?? []) if (a.productId) room.auctions[a.productId] = a;
  room.chat = (s.recentChat ?? []).filter((m) => !m.deleted).slice(-CHAT_KEEP);
  room.sales = (s.recentSales ?? []).slice(-SALES_KEEP);
  const last = room.sales[room.sales.length - 1];
  room.unitsSold = last ? n(last.streamUnitsSold) : 0;
  return room;
}

function upsertProduct(room: RoomView, card: ProductCard | undefined): RoomView {
  if (!card?.productId) return room;
  const id = card.productId;
  const existing = room.products.find((p) => p.productId === id);
  if (existing && n(existing.version) > n(card.version)) return room; // older card: ignore
  const products = existing
    ? room.products.map((p) => (p.productId === id ? card : p))
    : [card, ...room.products];
  const prev = room.stock[id];
  // A card carries stock too; keep a stock event's newer revision if we have one.
  const stock = prev && prev.revision > 0 ? { ...prev } : stockFromCard(card);
  return { ...room, products, stock: { ...room.stock, [id]: stock } };
}

function sameAuctionOrNewer(prev: AuctionState | undefined, next: AuctionState | undefined) {
  return !prev || n(next?.version) >= n(prev.version);
}

export function applyEvent(room: RoomView, ev: RoomEvent): RoomView {
  if (!ev.ephemeral) room = { ...room, sequence: Math.max(room.sequence, n(ev.sequence)) };
  if (ev.chatMessage) {
    const m = ev.chatMessage;
    // replace the author's optimistic copy (same client_message_id) or append
    const idx = m.clientMessageId ? room.chat.findIndex((c) => c.clientMessageId === m.clientMessageId) : -1;
    const chat = idx >= 0 ? room.chat.map((c, i) => (i === idx ? m : c)) : [...room.chat, m];
    return { ...room, chat: chat.slice(-CHAT_KEEP) };
  }
  if (ev.chatMessageDeleted) {
    const id = ev.chatMessageDeleted.messageId;
    return { ...room, chat: room.chat.filter((c) => c.id !== id) };
  }
  if (ev.reactionCounts) {
    const r = ev.reactionCounts;
    if (n(r.version) < room.reactionVersion) return room;
    return { ...room, likes: n(r.likes), dislikes: n(r.dislikes), reactionVersion: n(r.version) };
  }
  if (ev.viewerCount) {
    const v = ev.viewerCount;
    if (n(v.version) < room.viewerVersion) return room;
    return {
      ...room,
      viewers: n(v.viewerCount),
      peakViewers: Math.max(room.peakViewers, n(v.peakViewerCount)),
      viewerVersion: n(v.version),
    };
  }
  if (ev.productCreated) return upsertProduct(room, ev.productCreated.product);
  if (ev.productUpdated) return upsertProduct(room, ev.productUpdated.product);
  if (ev.pinsChanged) {
    let next = room;
    for (const card of ev.pinsChanged.pinned ?? []) next = upsertProduct(next, card);
    return { ...next, pinnedIds: (ev.pinsChanged.pinned ?? []).map((p) => p.productId ?? '').filter(Boolean) };
  }
  if (ev.stockChanged) {
    const s = ev.stockChanged;
    const id = s.productId ?? '';
    const prev = room.stock[id];
    if (prev && prev.revision > n(s.revision)) return room;
    return {
      ...room,
      stock: {
        ...room.stock,
        [id]: {
          available: n(s.available),
          total: n(s.total),
          soldOut: !!s.soldOut,
          revision: n(s.revision),
          flashSale: s.flashSale,
        },
      },
    };
  }
  if (ev.queueUpdated) {
    const q = ev.queueUpdated;
    return {
      ...room,
      queues: {
        ...room.queues,
        [q.productId ?? '']: { enabled: !!q.enabled, length: n(q.queueLength), offered: q.offeredTicketIds ?? [] },
      },
    };
  }
  const auction =
    ev.auctionStarted?.auction ?? ev.auctionBidPlaced?.auction ?? ev.auctionExtended?.auction ?? ev.auctionClosed?.auction;
  if (auction?.productId) {
    const prev = room.auctions[auction.productId];
    if (!sameAuctionOrNewer(prev, auction)) return room;
    const extensions = ev.auctionExtended
      ? { ...room.extensions, [auction.auctionId ?? '']: { by: ev.auctionExtended.extendedBy ?? '', at: Date.now() } }
      : room.extensions;
    return { ...room, auctions: { ...room.auctions, [auction.productId]: auction }, extensions };
  }
  const lottery =
    ev.lotteryOpened?.lottery ?? ev.lotteryDrawn?.lottery ?? ev.lotteryCancelled?.lottery;
  if (lottery?.productId) {
    const prev = room.lotteries[lottery.productId];
    if (prev && n(prev.version) > n(lottery.version)) return room;
    const merged = { ...lottery, entrantCount: String(Math.max(n(prev?.entrantCount), n(lottery.entrantCount))) };
    const lotteryWinners = ev.lotteryDrawn
      ? { ...room.lotteryWinners, [lottery.lotteryId ?? '']: ev.lotteryDrawn.winnerIds ?? [] }
      : room.lotteryWinners;
    return { ...room, lotteries: { ...room.lotteries, [lottery.productId]: merged }, lotteryWinners };
  }
  if (ev.lotteryEntries) {
    const e = ev.lotteryEntries;
    const prev = room.lotteries[e.productId ?? ''];
    if (!prev || prev.lotteryId !== e.lotteryId) return room;
    const count = Math.max(n(prev.entrantCount), n(e.entrantCount));
    return { ...room, lotteries: { ...room.lotteries, [e.productId ?? '']: { ...prev, entrantCount: String(count) } } };
  }
  if (ev.saleTicker) {
    return {
      ...room,
      sales: [...room.sales, ev.saleTicker].slice(-SALES_KEEP),
      unitsSold: Math.max(room.unitsSold, n(ev.saleTicker.streamUnitsSold)),
    };
  }
  if (ev.saleCancelled) {
    return { ...room, unitsSold: Math.max(0, room.unitsSold - n(ev.saleCancelled.quantity)) };
  }
  if (ev.streamStatusChanged) {
    const s = ev.streamStatusChanged;
    return {
      ...room,
      status: s.status ?? room.status,
      playbackUrl: s.playbackUrl || (s.status === 'STREAM_STATUS_LIVE' ? room.playbackUrl : room.playbackUrl),
      reconnectDeadline: s.reconnectDeadline,
    };
  }
  return room;
}

/** Pinned cards in display order (cards the room knows). */
export function pinnedCards(room: RoomView): ProductCard[] {
  return room.pinnedIds
    .map((id) => room.products.find((p) => p.productId === id))
    .filter((p): p is ProductCard => !!p);
}
