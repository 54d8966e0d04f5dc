import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EmailStatus } from './EmailStatus';

let me: Record<string, unknown>;
let asked: number;
let askAnswer: { status: number; body: unknown };

beforeEach(() => {
  me = { user: { id: 'usr_1', username: 'vera' }, email: 'vera@example.test' }; // proto3 JSON leaves false out
  asked = 0;
  askAnswer = { status: 200, body: {} };
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      if (url.endsWith('/GetMe')) return new Response(JSON.stringify(me), { status: 200 });
      if (url.endsWith('/RequestEmailVerification')) {
        asked++;
        return new Response(JSON.stringify(askAnswer.body), { status: askAnswer.status });
      }
      return new Response('{}', { status: 404 });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('EmailStatus', () => {
  it('shows a confirmed address with nothing to do', async () => {
    me.emailVerified = true;
    render(<EmailStatus />);
    expect(await screen.findByText('vera@example.test')).toBeTruthy();
    expect(screen.getByText('Confirmed')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Send a new link' })).toBeNull();
  });

  it('offers a new link for an unconfirmed address, and says it was sent', async () => {
    render(<EmailStatus />);
    expect(await screen.findByText('Not confirmed')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Send a new link' }));
    expect(await screen.findByText('We sent a new link to vera@example.test.')).toBeTruthy();
    expect(asked).toBe(1);
  });

  it('an address confirmed meanwhile (in another tab) shows as confirmed', async () => {
    askAnswer = { status: 200, body: { alreadyVerified: true } };
    render(<EmailStatus />);
    fireEvent.click(await screen.findByRole('button', { name: 'Send a new link' }));
    expect(await screen.findByText('Confirmed')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Send a new link' })).toBeNull();
  });

  it('past the hourly allowance it says to look for the e-mails sent or ask later', async () => {
    askAnswer = {
      status: 429,
      body: { code: 'RESOURCE_EXHAUSTED', message: 'limited', errorInfo: { reason: 'VERIFICATION_EMAIL_THROTTLED' } },
    };
    render(<EmailStatus />);
    fireEvent.click(await screen.findByRole('button', { name: 'Send a new link' }));
    expect(await screen.findByText(/A few confirmation e-mails have been sent in the last hour/)).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
