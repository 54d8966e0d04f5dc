import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NotificationSettings } from './NotificationSettings';

let updates: Array<{ updateMask: string; preferences: Record<string, boolean> }>;
let refuse: boolean;

beforeEach(() => {
  updates = [];
  refuse = false;
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      if (url.endsWith('/GetNotificationPreferences')) {
        // proto3 JSON leaves false out: marketing is off
        return new Response(JSON.stringify({ preferences: { followedHostLive: true, outbid: true, orderUpdates: true } }), { status: 200 });
      }
      if (url.endsWith('/UpdateNotificationPreferences')) {
        const body = JSON.parse(String(init.body)) as (typeof updates)[number];
        updates.push(body);
        if (refuse) return new Response(JSON.stringify({ code: 'UNAVAILABLE', message: 'try again' }), { status: 503 });
        const prefs: Record<string, boolean> = { followedHostLive: true, outbid: true, orderUpdates: true, ...body.preferences };
        return new Response(JSON.stringify({ preferences: Object.fromEntries(Object.entries(prefs).filter(([, v]) => v)) }), { status: 200 });
      }
      return new Response('{}', { status: 404 });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('NotificationSettings', () => {
  it('shows each switch as the server keeps it, and saves one switch at a time', async () => {
    render(<NotificationSettings />);
    const outbid = (await screen.findByLabelText('Someone outbids me')) as HTMLInputElement;
    expect(outbid.checked).toBe(true);
    expect((screen.getByLabelText('Offers and news from Shopcast') as HTMLInputElement).checked).toBe(false);
    fireEvent.click(outbid);
    await screen.findByText(/Saved/);
    expect(updates).toEqual([{ updateMask: 'outbid', preferences: { outbid: false } }]);
    expect((screen.getByLabelText('Someone outbids me') as HTMLInputElement).checked).toBe(false);
    expect((screen.getByLabelText('A host I follow goes live') as HTMLInputElement).checked).toBe(true);
  });

  it('puts a switch back and says why when the change is refused', async () => {
    refuse = true;
    render(<NotificationSettings />);
    const marketing = (await screen.findByLabelText('Offers and news from Shopcast')) as HTMLInputElement;
    fireEvent.click(marketing);
    expect(await screen.findByRole('alert')).toBeTruthy();
    await waitFor(() => expect((screen.getByLabelText('Offers and news from Shopcast') as HTMLInputElement).checked).toBe(false));
    expect(updates).toEqual([{ updateMask: 'marketing', preferences: { marketing: true } }]);
  });
});
