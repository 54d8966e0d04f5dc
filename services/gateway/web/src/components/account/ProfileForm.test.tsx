import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../../auth/session';
import { ProfileForm } from './ProfileForm';

let sent: Array<{ updateMask: string; profile: Record<string, string> }>;

beforeEach(() => {
  sent = [];
  vi.spyOn(session, 'reloadUser').mockResolvedValue();
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      if (url.endsWith('/UpdateProfile')) {
        const body = JSON.parse(String(init.body)) as (typeof sent)[number];
        sent.push(body);
        if (body.profile.displayName === 'bad\u0007') {
          return new Response(
            JSON.stringify({ code: 'INVALID_ARGUMENT', message: 'display name has control characters', errorInfo: { reason: 'DISPLAY_NAME_INVALID', field: 'display_name' } }),
            { status: 400 },
          );
        }
        return new Response(JSON.stringify({ user: { id: 'usr_1', ...body.profile } }), { status: 200 });
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

const user = { id: 'usr_1', username: 'ada', displayName: 'Ada', bio: 'Vintage finds' };

describe('ProfileForm', () => {
  it('sends only the fields that changed, then takes a fresh token (the name travels in it)', async () => {
    render(<ProfileForm user={user} />);
    const save = screen.getByRole('button', { name: 'Save profile' }) as HTMLButtonElement;
    expect(save.disabled).toBe(true); // nothing changed yet
    fireEvent.change(screen.getByLabelText('Display name'), { target: { value: '  Ada L.  ' } });
    fireEvent.click(save);
    expect(await screen.findByText('Profile saved.')).toBeTruthy();
    expect(sent).toEqual([{ updateMask: 'displayName', profile: { displayName: 'Ada L.', bio: 'Vintage finds' } }]);
    expect(session.reloadUser).toHaveBeenCalledOnce();
  });

  it('refuses an empty or too long name before sending, and shows the server\'s reason on its field', async () => {
    render(<ProfileForm user={user} />);
    const name = screen.getByLabelText('Display name');
    const save = screen.getByRole('button', { name: 'Save profile' }) as HTMLButtonElement;
    fireEvent.change(name, { target: { value: '   ' } });
    expect(save.disabled).toBe(true);
    fireEvent.change(name, { target: { value: 'x'.repeat(51) } });
    expect(save.disabled).toBe(true);
    expect(screen.getByText('At most 50 characters.')).toBeTruthy();
    fireEvent.change(name, { target: { value: 'bad\u0007' } });
    fireEvent.click(save);
    expect(await screen.findByText('display name has control characters')).toBeTruthy();
    expect(name.getAttribute('aria-invalid')).toBe('true');
    expect(session.reloadUser).not.toHaveBeenCalled();
  });
});
