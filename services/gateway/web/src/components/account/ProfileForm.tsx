import { useState, type FormEvent } from 'react';
import { User as UserApi } from '../../api/services';
import type { User } from '../../api/types';
import { ApiError } from '../../api/errors';
import { session } from '../../auth/session';
import { ErrorBanner, Notice } from '../Feedback';
import { Field } from '../Field';

const MAX_DISPLAY_NAME = 50;
const MAX_BIO = 500;

const chars = (s: string) => [...s].length;

/** The public profile: display name (what chat and the hosts show) and bio. Only the fields
 * changed are sent; a new access token follows, since the display name travels in it. */
export function ProfileForm({ user }: { user: User }) {
  const [form, setForm] = useState({ displayName: user.displayName ?? '', bio: user.bio ?? '' });
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const changed = (['displayName', 'bio'] as const).filter((k) => form[k].trim() !== (user[k] ?? ''));
  const tooLong = chars(form.displayName.trim()) > MAX_DISPLAY_NAME || chars(form.bio) > MAX_BIO;

  const fieldError = (k: string): string[] | undefined => {
    if (k === 'displayName' && chars(form.displayName.trim()) > MAX_DISPLAY_NAME) return [`At most ${MAX_DISPLAY_NAME} characters.`];
    if (k === 'bio' && chars(form.bio) > MAX_BIO) return [`At most ${MAX_BIO} characters.`];
    if (!(error instanceof ApiError)) return undefined;
    const f = error.field.replace(/^profile\./, '').replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    return f === k ? [error.message] : undefined;
  };
  const fieldOwnsError = error instanceof ApiError && /^(profile\.)?(display_name|bio)$/.test(error.field);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (changed.length === 0) return;
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      await UserApi.UpdateProfile({
        updateMask: changed.join(','),
        profile: { displayName: form.displayName.trim(), bio: form.bio.trim() },
      });
      await session.reloadUser();
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} className="stack" aria-label="Profile" noValidate>
      <h2>Profile</h2>
      <ErrorBanner error={fieldOwnsError ? undefined : error} />
      <p className="muted">
        Username <strong>{user.username}</strong> (it cannot be changed).
      </p>
      <Field label="Display name" hint="What others see in chat and on your shows" errors={fieldError('displayName')}>
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            autoComplete="nickname"
            value={form.displayName}
            onChange={(e) => {
              setSaved(false);
              setForm((f) => ({ ...f, displayName: e.target.value }));
            }}
          />
        )}
      </Field>
      <Field label="Bio" hint={`Up to ${MAX_BIO} characters`} errors={fieldError('bio')}>
        {({ id, describedBy, invalid }) => (
          <textarea
            id={id}
            rows={3}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            value={form.bio}
            onChange={(e) => {
              setSaved(false);
              setForm((f) => ({ ...f, bio: e.target.value }));
            }}
          />
        )}
      </Field>
      <div>
        <button className="btn btn-primary" type="submit" disabled={busy || changed.length === 0 || tooLong || !form.displayName.trim()}>
          {busy ? 'Saving…' : 'Save profile'}
        </button>
      </div>
      {saved && <Notice tone="success">Profile saved.</Notice>}
    </form>
  );
}
