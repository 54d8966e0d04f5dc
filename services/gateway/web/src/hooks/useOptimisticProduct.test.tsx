import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useOptimisticProduct } from './useOptimisticProduct';

const base = { id: 'prd_1', version: '3', title: 'Mug', price: { amountMinor: '1000', currency: 'USD' } };
const theirs = { ...base, version: '4', title: 'Mug (blue)' };
let updates: Array<Record<string, unknown>>;

beforeEach(() => {
  updates = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      const body = JSON.parse(String(init.body)) as { product: { version: string }; updateMask: string };
      if (url.endsWith('/UpdateProduct')) {
        updates.push(body);
        if (body.product.version === '3') {
          return new Response(JSON.stringify({ code: 'ABORTED', message: 'stale', errorInfo: { reason: 'VERSION_MISMATCH' } }), { status: 409 });
        }
        return new Response(JSON.stringify({ product: { ...theirs, ...body.product, version: '5' } }), { status: 200 });
      }
      if (url.endsWith('/GetProduct')) return new Response(JSON.stringify({ product: theirs }), { status: 200 });
      return new Response('{}', { status: 404 });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('optimistic product edits', () => {
  it('shows the change at once, rolls back on a stale version, and merges mine on top of theirs', async () => {
    const saved = vi.fn();
    const { result } = renderHook(() => useOptimisticProduct(base, saved));
    let done: Promise<void> | undefined;
    act(() => {
      done = result.current.save(base, { price: { amountMinor: '1200', currency: 'USD' } });
    });
    expect(result.current.shown.price?.amountMinor).toBe('1200'); // optimistic
    expect(result.current.pending).toBe(true);
    await act(async () => {
      await done;
    });
    expect(updates[0]).toMatchObject({ updateMask: 'price', product: { id: 'prd_1', version: '3' } });
    expect(result.current.shown.price?.amountMinor).toBe('1000'); // rolled back
    expect(result.current.conflict?.theirs.title).toBe('Mug (blue)');
    expect(result.current.conflict?.mine.price?.amountMinor).toBe('1200');

    await act(async () => {
      await result.current.keepMine();
    });
    await waitFor(() => expect(result.current.conflict).toBeNull());
    expect(updates[1]).toMatchObject({ updateMask: 'price', product: { version: '4', price: { amountMinor: '1200' } } });
    // their title kept, my price applied
    expect(result.current.shown).toMatchObject({ title: 'Mug (blue)', price: { amountMinor: '1200' }, version: '5' });
    expect(saved).toHaveBeenCalledWith(expect.objectContaining({ version: '5' }));
  });

  it('takes theirs when asked', async () => {
    const saved = vi.fn();
    const { result } = renderHook(() => useOptimisticProduct(base, saved));
    await act(async () => {
      await result.current.save(base, { title: 'Cup' });
    });
    act(() => result.current.takeTheirs());
    expect(result.current.shown.title).toBe('Mug (blue)');
    expect(result.current.conflict).toBeNull();
    expect(updates).toHaveLength(1);
  });
});
