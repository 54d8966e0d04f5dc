import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryRouter } from 'react-router-dom';
import { ForgotPasswordPage } from './ForgotPasswordPage';

let sent: Array<{ url: string; body: unknown; authorization: string | undefined }>;

beforeEach(() => {
  sent = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      if (url.endsWith('/RequestPasswordReset')) {
        const body = JSON.parse(String(init.body)) as { email?: string };
        sent.push({ url, body, authorization: (init.headers as Record<string, string>).Authorization });
        if (!body.email?.includes('@')) {
          return new Response(
            JSON.stringify({ code: 'INVALID_ARGUMENT', message: 'not an email address', errorInfo: { reason: 'EMAIL_INVALID', field: 'email' } }),
            { status: 400 },
          );
        }
        return new Response('{}', { status: 200 });
      }
      return new Response('{}', { status: 404 });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const CONFIRMATION = /^If an account uses that address, we have sent it a link to choose a new password\./;

function renderPage(state?: unknown) {
  render(
    <MemoryRouter initialEntries={[{ pathname: '/forgot-password', state }]}>
      <ForgotPasswordPage />
    </MemoryRouter>,
  );
}

describe('ForgotPasswordPage', () => {
  it('sends the address and confirms without saying whether an account has it; the form comes back to send again', async () => {
    renderPage();
    const submit = screen.getByRole('button', { name: 'Send link' }) as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'Vera@Example.test' } });
    fireEvent.click(submit);
    expect((await screen.findByRole('status')).textContent).toMatch(CONFIRMATION);
    expect(sent).toEqual([{ url: '/api/v1/user/RequestPasswordReset', body: { email: 'Vera@Example.test' }, authorization: undefined }]);
    expect(screen.queryByLabelText('Email')).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Send another link' }));
    expect((screen.getByLabelText('Email') as HTMLInputElement).value).toBe('Vera@Example.test');
    fireEvent.click(screen.getByRole('button', { name: 'Send link' }));
    expect((await screen.findByRole('status')).textContent).toMatch(CONFIRMATION);
    expect(sent).toHaveLength(2);
  });

  it('shows a malformed address on its field, not as a banner, and clears it on typing', async () => {
    renderPage();
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'vera.example.test' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send link' }));
    expect(await screen.findByText('not an email address')).toBeTruthy();
    expect(screen.getByLabelText('Email').getAttribute('aria-invalid')).toBe('true');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByRole('status')).toBeNull();
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'vera@example.test' } });
    expect(screen.queryByText('not an email address')).toBeNull();
  });

  it('shows other failures (a rate limit) in the banner', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('', { status: 429, headers: { 'Retry-After': '30' } })));
    renderPage();
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'vera@example.test' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send link' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Too many requests; please wait a moment. Try again in 30 s.');
    expect(screen.getByLabelText('Email')).toBeTruthy();
  });

  it('starts with the address the login page handed over', () => {
    renderPage({ email: 'vera@example.test' });
    expect((screen.getByLabelText('Email') as HTMLInputElement).value).toBe('vera@example.test');
  });
});
