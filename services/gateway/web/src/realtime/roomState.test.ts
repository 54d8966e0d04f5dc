import { describe, expect, it } from 'vitest';
import { applyEvent, fromSnapshot, pinnedCards } from './roomState';

const snap = fromSnapshot({
  sequence: '5',
  streamStatus: { status: 'STREAM_STATUS_LIVE', playbackUrl: '/live/str_1/index.m3u8' },
  viewerCount: '3',
  totalLikes: '2',
  pinned: [{ productId: 'prd_a', title: 'Mug', available: '4', total: '5', version: '1' }],
  products: [{ productId: 'prd_a', title: 'Mug', available: '4', total: '5', version: '1' }],
  recentChat: [{ id: 'm1', text: 'hello' }],
});

describe('room state', () => {
  it('starts from the snapshot', () => {
    expect(snap.status).toBe('STREAM_STATUS_LIVE');
    expect(pinnedCards(snap).map((p) => p.title)).toEqual(['Mug']);
    expect(snap.stock.prd_a.available).toBe(4);
    expect(snap.chat).toHaveLength(1);
  });

  it('shows a dropped product and its stock changes, ignoring an older revision', () => {
    let r = applyEvent(snap, { sequence: '6', productCreated: { product: { productId: 'prd_b', title: 'Hat', available: '2', total: '2', version: '1' } } });
    expect(r.products[0].title).toBe('Hat');
    r = applyEvent(r, { sequence: '7', stockChanged: { productId: 'prd_b', available: '1', total: '2', revision: '3' } });
    r = applyEvent(r, { sequence: '8', stockChanged: { productId: 'prd_b', available: '2', total: '2', revision: '2' } });
    expect(r.stock.prd_b.available).toBe(1);
    r = applyEvent(r, { sequence: '9', pinsChanged: { pinned: [{ productId: 'prd_b', title: 'Hat', version: '1' }], productId: 'prd_b', pinnedNow: true } });
    expect(pinnedCards(r).map((p) => p.title)).toEqual(['Hat']);
    expect(r.stock.prd_b.available).toBe(1); // the pin's card does not undo the newer stock
  });

  it('keeps the newest counts when coalesced updates arrive out of order', () => {
    let r = applyEvent(snap, { ephemeral: true, reactionCounts: { likes: '9', dislikes: '1', version: '10' } });
    r = applyEvent(r, { ephemeral: true, reactionCounts: { likes: '3', dislikes: '0', version: '4' } });
    expect([r.likes, r.dislikes]).toEqual([9, 1]);
    r = applyEvent(r, { ephemeral: true, viewerCount: { viewerCount: '12', peakViewerCount: '14', version: '2' } });
    expect([r.viewers, r.peakViewers]).toEqual([12, 14]);
  });

  it('replaces an optimistic chat copy and removes deleted messages', () => {
    let r = { ...snap, chat: [...snap.chat, { id: '', text: 'mine', clientMessageId: 'c1' }] };
    r = applyEvent(r, { sequence: '6', chatMessage: { id: 'm2', text: 'mine', clientMessageId: 'c1' } });
    expect(r.chat.map((m) => m.id)).toEqual(['m1', 'm2']);
    r = applyEvent(r, { sequence: '7', chatMessageDeleted: { messageId: 'm1' } });
    expect(r.chat.map((m) => m.id)).toEqual(['m2']);
  });

  it('tracks auctions by version and records extensions', () => {
    let r = applyEvent(snap, { sequence: '6', auctionStarted: { auction: { auctionId: 'auc_1', productId: 'prd_a', open: true, version: '1' } } });
    r = applyEvent(r, { sequence: '7', auctionExtended: { auction: { auctionId: 'auc_1', productId: 'prd_a', open: true, version: '3', endsAt: '2030-01-01T00:00:30Z' }, extendedBy: '15s' } });
    r = applyEvent(r, { sequence: '8', auctionBidPlaced: { auction: { auctionId: 'auc_1', productId: 'prd_a', open: true, version: '2' } } });
    expect(r.auctions.prd_a.version).toBe('3');
    expect(r.extensions.auc_1.by).toBe('15s');
  });
});
