import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/errors';
import { session } from '../../auth/session';
import { ErrorBanner, Notice } from '../Feedback';
import { Field } from '../Field';

// The user service's rule (RegisterRequest.password): 12 to 128 characters.
const MIN_PASSWORD = 12;
const MAX_PASSWORD = 128;

const chars = (s: string) => [...s].length;

type Key = 'currentPassword' | 'newPassword' | 'confirm';
const EMPTY: Record<Key, string> = { currentPassword: '', newPassword: '', confirm: '' };

/** Changing the password: the current one proves it is the owner; every other device is signed
 * out by the change, this one carries on. */
export function PasswordForm() {
  const [form, setForm] = useState(EMPTY);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  const local: Partial<Record<Key, string>> = {};
  const fresh = chars(form.newPassword);
  if (form.newPassword && fresh < MIN_PASSWORD) local.newPassword = `At least ${MIN_PASSWORD} characters.`;
  if (fresh > MAX_PASSWORD) local.newPassword = `At most ${MAX_PASSWORD} characters.`;
  if (form.newPassword && form.newPassword === form.currentPassword) local.newPassword = 'Choose a password you do not use now.';
  if (form.confirm && form.confirm !== form.newPassword) local.confirm = 'The two new passwords differ.';

  const serverField = error instanceof ApiError ? error.field.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) : '';
  const fieldError = (k: Key): string[] | undefined => {
    if (local[k]) return [local[k]!];
    return serverField === k && error instanceof ApiError ? [error.message] : undefined;
  };
  const ready = form.currentPassword !== '' && form.newPassword !== '' && form.confirm === form.newPassword && Object.keys(local).length === 0;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!ready) return;
    setBusy(true);
    setError(undefined);
    setDone(false);
    try {
      await session.changePassword(form.currentPassword, form.newPassword);
      setForm(EMPTY);
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const input = (k: Key, label: string, autoComplete: string, hint?: string) => (
    <Field label={label} hint={hint} errors={fieldError(k)}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          type="password"
          aria-describedby={describedBy}
          aria-invalid={invalid}
          autoComplete={autoComplete}
          value={form[k]}
          onChange={(e) => {
            setDone(false);
            if (serverField === k) setError(undefined);
            setForm((f) => ({ ...f, [k]: e.target.value }));
          }}
        />
      )}
    </Field>
  );

  return (
    <form onSubmit={submit} className="stack" aria-label="Password" noValidate>
      <h2>Password</h2>
      <ErrorBanner error={serverField === 'currentPassword' || serverField === 'newPassword' ? undefined : error} />
      {input('currentPassword', 'Current password', 'current-password')}
      {input('newPassword', 'New password', 'new-password', `${MIN_PASSWORD} to ${MAX_PASSWORD} characters; a phrase is easiest to remember`)}
      {input('confirm', 'New password again', 'new-password')}
      <div>
        <button className="btn btn-primary" type="submit" disabled={busy || !ready}>
          {busy ? 'Changing…' : 'Change password'}
        </button>
      </div>
      {done && <Notice tone="success">Password changed. Your other devices are signed out.</Notice>}
    </form>
  );
}
