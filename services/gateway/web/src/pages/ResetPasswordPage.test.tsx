import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Link, MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import { ResetPasswordPage } from './ResetPasswordPage';

const TOKEN = 'Abc_-0123456789abcdefghijklmnopqrstuvwxyzAB'; // 43 characters of base64url
const OTHER = 'Zyx_-9876543210abcdefghijklmnopqrstuvwxyzAB';
const GOOD = 'a brand new passphrase';

let sent: Array<{ resetToken?: string; newPassword?: string }>;
let answer: { status: number; body: unknown };

beforeEach(() => {
  sent = [];
  answer = { status: 200, body: {} };
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      if (url.endsWith('/ResetPassword')) {
        sent.push(JSON.parse(String(init.body)) as (typeof sent)[number]);
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

function renderPage(entry = `/reset-password#token=${TOKEN}`) {
  render(
    <MemoryRouter initialEntries={[entry]}>
      <Routes>
        <Route path="reset-password" element={<ResetPasswordPage />} />
        <Route path="login" element={<h1>Sign in</h1>} />
        <Route path="forgot-password" element={<h1>Forgot your password?</h1>} />
      </Routes>
      <Where />
      <Link to={`/reset-password#token=${OTHER}`}>the newer e-mail's link</Link>
    </MemoryRouter>,
  );
}

const type = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
const submit = () => fireEvent.click(screen.getByRole('button', { name: 'Set new password' }));

function fillGood() {
  type('New password', GOOD);
  type('New password again', GOOD);
}

async function expectAskAgain() {
  const link = screen.getByRole('link', { name: 'Ask for a new link' });
  expect(link.getAttribute('href')).toBe('/forgot-password');
  expect(screen.queryByLabelText('New password')).toBeNull();
  fireEvent.click(link);
  expect(await screen.findByRole('heading', { name: 'Forgot your password?' })).toBeTruthy();
}

describe('ResetPasswordPage', () => {
  it('takes the token out of the address bar, sends it with the new password, and on success offers to sign in', async () => {
    renderPage();
    expect(screen.getByTestId('where').textContent).toBe('/reset-password');
    fillGood();
    submit();
    const done = await screen.findByText('Password changed. Every device that was signed in to your account is now signed out.');
    expect(done.getAttribute('role')).toBe('status');
    expect(sent).toEqual([{ resetToken: TOKEN, newPassword: GOOD }]);
    expect(screen.queryByLabelText('New password')).toBeNull();
    fireEvent.click(screen.getByRole('link', { name: 'Sign in' }));
    expect(screen.getByTestId('where').textContent).toBe('/login');
  });

  it('refuses two different passwords (and a short one) without sending', () => {
    renderPage();
    const button = screen.getByRole('button', { name: 'Set new password' }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    type('New password', 'too short');
    expect(screen.getByText('At least 12 characters.')).toBeTruthy();
    type('New password', GOOD);
    type('New password again', `${GOOD}!`);
    expect(screen.getByText('The two new passwords differ.')).toBeTruthy();
    expect(screen.getByLabelText('New password again').getAttribute('aria-invalid')).toBe('true');
    expect(button.disabled).toBe(true);
    fireEvent.submit(button.closest('form')!);
    expect(sent).toEqual([]);
    type('New password again', GOOD);
    expect(button.disabled).toBe(false);
  });

  it('shows a refused new password on its field and clears it on typing', async () => {
    answer = {
      status: 400,
      body: { code: 'INVALID_ARGUMENT', message: 'this password is too common', errorInfo: { reason: 'WEAK_PASSWORD', field: 'new_password' } },
    };
    renderPage();
    fillGood();
    submit();
    expect(await screen.findByText('this password is too common')).toBeTruthy();
    expect(screen.getByLabelText('New password').getAttribute('aria-invalid')).toBe('true');
    expect(screen.queryByRole('alert')).toBeNull();
    type('New password', `${GOOD} too`);
    expect(screen.queryByText('this password is too common')).toBeNull();
  });

  it('says an expired link has expired and offers a new one', async () => {
    answer = {
      status: 412,
      body: { code: 'FAILED_PRECONDITION', message: 'the reset link has expired', errorInfo: { reason: 'RESET_TOKEN_EXPIRED' } },
    };
    renderPage();
    fillGood();
    submit();
    expect(await screen.findByText(/^This password-reset link has expired\./)).toBeTruthy();
    expect(sent).toHaveLength(1);
    await expectAskAgain();
  });

  it('says a used or unknown link does not work and offers a new one', async () => {
    answer = {
      status: 412,
      body: { code: 'FAILED_PRECONDITION', message: 'the reset link is not valid', errorInfo: { reason: 'RESET_TOKEN_INVALID' } },
    };
    renderPage();
    fillGood();
    submit();
    expect(await screen.findByText(/^This password-reset link does not work/)).toBeTruthy();
    await expectAskAgain();
  });

  it('without a token (or with a malformed one) says the link does not work, sending nothing', async () => {
    renderPage('/reset-password');
    expect(screen.getByText(/^This password-reset link does not work/)).toBeTruthy();
    await expectAskAgain();
    cleanup();
    renderPage('/reset-password#token=short');
    expect(screen.getByText(/^This password-reset link does not work/)).toBeTruthy();
    expect(screen.getByTestId('where').textContent).toBe('/reset-password');
    expect(sent).toEqual([]);
  });

  it('a link opened again while on the page starts over with its own token', async () => {
    answer = {
      status: 412,
      body: { code: 'FAILED_PRECONDITION', message: 'the reset link has expired', errorInfo: { reason: 'RESET_TOKEN_EXPIRED' } },
    };
    renderPage();
    fillGood();
    submit();
    expect(await screen.findByText(/^This password-reset link has expired\./)).toBeTruthy();
    fireEvent.click(screen.getByRole('link', { name: "the newer e-mail's link" }));
    expect(screen.getByTestId('where').textContent).toBe('/reset-password');
    answer = { status: 200, body: {} };
    fillGood();
    submit();
    expect(await screen.findByText(/^Password changed\./)).toBeTruthy();
    expect(sent.map((s) => s.resetToken)).toEqual([TOKEN, OTHER]);
  });

  it('shows other failures in the banner and keeps the form', async () => {
    answer = { status: 503, body: { code: 'UNAVAILABLE', message: 'The service is busy; please try again.' } };
    renderPage();
    fillGood();
    submit();
    expect((await screen.findByRole('alert')).textContent).toContain('The service is busy; please try again.');
    expect(screen.getByLabelText('New password')).toBeTruthy();
  });
});
