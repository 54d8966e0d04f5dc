import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../../auth/session';
import { PasswordForm } from './PasswordForm';

let sent: Array<{ currentPassword: string; newPassword: string }>;

beforeEach(() => {
  sent = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      if (url.endsWith('/ChangePassword')) {
        const body = JSON.parse(String(init.body)) as (typeof sent)[number];
        sent.push(body);
        if (body.currentPassword !== 'the old passphrase') {
          return new Response(
            JSON.stringify({ code: 'INVALID_ARGUMENT', message: 'the current password is wrong', errorInfo: { reason: 'CURRENT_PASSWORD_WRONG', field: 'current_password' } }),
            { status: 400 },
          );
        }
        return new Response(JSON.stringify({ tokens: { accessToken: 'new-access', accessTokenExpiresAt: new Date(Date.now() + 900_000).toISOString() } }), { status: 200 });
      }
      return new Response('{}', { status: 404 });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const type = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });

describe('PasswordForm', () => {
  it('checks the new password before sending: length, a change, the same twice', () => {
    render(<PasswordForm />);
    const submit = screen.getByRole('button', { name: 'Change password' }) as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    type('Current password', 'the old passphrase');
    type('New password', 'too short');
    expect(screen.getByText('At least 12 characters.')).toBeTruthy();
    type('New password', 'the old passphrase');
    expect(screen.getByText('Choose a password you do not use now.')).toBeTruthy();
    type('New password', 'a brand new passphrase');
    type('New password again', 'a brand new passphrase!');
    expect(screen.getByText('The two new passwords differ.')).toBeTruthy();
    expect(submit.disabled).toBe(true);
    type('New password again', 'a brand new passphrase');
    expect(submit.disabled).toBe(false);
    expect(sent).toEqual([]);
  });

  it('shows a wrong current password on its field, and on success takes the new session and clears the form', async () => {
    const adopt = vi.spyOn(session, 'changePassword');
    render(<PasswordForm />);
    type('Current password', 'a wrong guess here');
    type('New password', 'a brand new passphrase');
    type('New password again', 'a brand new passphrase');
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByText('the current password is wrong')).toBeTruthy();
    expect(screen.getByLabelText('Current password').getAttribute('aria-invalid')).toBe('true');

    type('Current password', 'the old passphrase');
    expect(screen.queryByText('the current password is wrong')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByText('Password changed. Your other devices are signed out.')).toBeTruthy();
    expect(sent.at(-1)).toEqual({ currentPassword: 'the old passphrase', newPassword: 'a brand new passphrase' });
    expect(adopt).toHaveBeenCalledTimes(2);
    expect(session.accessToken()).toBe('new-access');
    expect((screen.getByLabelText('Current password') as HTMLInputElement).value).toBe('');
  });
});
