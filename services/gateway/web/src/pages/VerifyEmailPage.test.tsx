import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import { VerifyEmailPage } from './VerifyEmailPage';

const TOKEN = 'Abc_-0123456789abcdefghijklmnopqrstuvwxyzAB'; // 43 characters of base64url

let sent: Array<{ body: { verificationToken?: string }; authorization: string | null }>;
let answer: { status: number; body: unknown };

beforeEach(() => {
  sent = [];
  answer = { status: 200, body: {} };
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      if (url.endsWith('/VerifyEmail')) {
        const headers = new Headers(init.headers);
        sent.push({ body: JSON.parse(String(init.body)) as (typeof sent)[number]['body'], authorization: headers.get('authorization') });
        return new Response(JSON.stringify(answer.body), { status: answer.status });
      }
      return new Response('{}', { status: 404 });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function Where() {
  const l = useLocation();
  return <output data-testid="where">{l.pathname + l.search + l.hash}</output>;
}

function renderPage(entry = `/verify-email#token=${TOKEN}`) {
  render(
    <MemoryRouter initialEntries={[entry]}>
      <Routes>
        <Route path="verify-email" element={<VerifyEmailPage />} />
      </Routes>
      <Where />
    </MemoryRouter>,
  );
}

const confirm = () => fireEvent.click(screen.getByRole('button', { name: 'Confirm my e-mail address' }));

describe('VerifyEmailPage', () => {
  it('takes the token out of the address bar and confirms only when asked, without a session', async () => {
    renderPage();
    expect(screen.getByTestId('where').textContent).toBe('/verify-email');
    // opening the page sends nothing (a mail scanner opening the link confirms nothing)
    expect(sent).toEqual([]);
    confirm();
    expect(await screen.findByText('Your e-mail address is confirmed. Thank you!')).toBeTruthy();
    expect(sent).toEqual([{ body: { verificationToken: TOKEN }, authorization: null }]);
    expect(screen.queryByRole('button', { name: 'Confirm my e-mail address' })).toBeNull();
  });

  it('says an expired link has expired and where a new one comes from', async () => {
    answer = {
      status: 412,
      body: { code: 'FAILED_PRECONDITION', message: 'expired', errorInfo: { reason: 'VERIFICATION_TOKEN_EXPIRED' } },
    };
    renderPage();
    confirm();
    expect(await screen.findByText(/This confirmation link has expired/)).toBeTruthy();
    const link = screen.getByRole('link', { name: 'Sign in to have a new link sent' });
    expect(link.getAttribute('href')).toBe('/login?return=%2Faccount');
  });

  it('says a spent or unknown link does not work', async () => {
    answer = {
      status: 412,
      body: { code: 'FAILED_PRECONDITION', message: 'not valid', errorInfo: { reason: 'VERIFICATION_TOKEN_INVALID' } },
    };
    renderPage();
    confirm();
    expect(await screen.findByText(/This confirmation link does not work/)).toBeTruthy();
  });

  it('a link without a well-formed token does not work, and nothing is sent', () => {
    renderPage('/verify-email#token=short');
    expect(screen.getByText(/This confirmation link does not work/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Confirm my e-mail address' })).toBeNull();
    expect(sent).toEqual([]);
  });

  it('another error leaves the button to try again', async () => {
    answer = { status: 503, body: { code: 'UNAVAILABLE', message: 'try again' } };
    renderPage();
    confirm();
    expect(await screen.findByRole('alert')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Confirm my e-mail address' })).toBeTruthy();
  });
});
