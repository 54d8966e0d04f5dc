import { useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { ApiError } from '../api/errors';
import { User as UserApi } from '../api/services';
import { session } from '../auth/session';
import { ErrorBanner, Notice } from '../components/Feedback';
import { Field } from '../components/Field';
import { useLinkToken } from '../hooks/useLinkToken';
import { useTitle } from '../hooks/useTitle';

// The user service's rule (RegisterRequest.password): 12 to 128 characters.
const MIN_PASSWORD = 12;
const MAX_PASSWORD = 128;

const chars = (s: string) => [...s].length;

// The reasons a new password is refused for (RegisterRequest.password's), when the error names
// no field.
const PASSWORD_REASONS = new Set(['WEAK_PASSWORD', 'PASSWORD_TOO_SHORT', 'PASSWORD_TOO_LONG', 'PASSWORD_INVALID', 'PASSWORD_UNCHANGED']);

type Key = 'newPassword' | 'confirm';
const EMPTY: Record<Key, string> = { newPassword: '', confirm: '' };

function AskAgain() {
  return <Link to="/forgot-password">Ask for a new link</Link>;
}

/** Setting a new password with the link of a password-reset e-mail. The token is taken from the
 * address bar at once (kept here only); success ends every session of the account, and the user
 * signs in again with the new password. */
export function ResetPasswordPage() {
  useTitle('Choose a new password');
  const [form, setForm] = useState(EMPTY);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const token = useLinkToken(() => {
    setForm(EMPTY);
    setError(undefined);
    setDone(false);
  });

  const local: Partial<Record<Key, string>> = {};
  const fresh = chars(form.newPassword);
  if (form.newPassword && fresh < MIN_PASSWORD) local.newPassword = `At least ${MIN_PASSWORD} characters.`;
  if (fresh > MAX_PASSWORD) local.newPassword = `At most ${MAX_PASSWORD} characters.`;
  if (form.confirm && form.confirm !== form.newPassword) local.confirm = 'The two new passwords differ.';

  const apiError = error instanceof ApiError ? error : undefined;
  const expired = apiError?.reason === 'RESET_TOKEN_EXPIRED';
  const invalid = !token || apiError?.reason === 'RESET_TOKEN_INVALID' || apiError?.field === 'reset_token';
  const serverField = apiError
    ? apiError.field.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) || (PASSWORD_REASONS.has(apiError.reason) ? 'newPassword' : '')
    : '';
  const fieldError = (k: Key): string[] | undefined => {
    if (local[k]) return [local[k]!];
    return serverField === k && apiError ? [apiError.message] : undefined;
  };
  const ready = form.newPassword !== '' && form.confirm === form.newPassword && Object.keys(local).length === 0;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!ready || !token) return;
    setBusy(true);
    setError(undefined);
    try {
      await UserApi.ResetPassword({ resetToken: token, newPassword: form.newPassword }, { anonymous: true });
      setForm(EMPTY);
      setDone(true);
      // This browser's session, if it had one, ended with the others: forget it here too.
      if (session.state.status === 'signedIn') void session.logout();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const input = (k: Key, label: string, hint?: string) => (
    <Field label={label} hint={hint} errors={fieldError(k)}>
      {({ id, describedBy, invalid: bad }) => (
        <input
          id={id}
          type="password"
          aria-describedby={describedBy}
          aria-invalid={bad}
          autoComplete="new-password"
          value={form[k]}
          onChange={(e) => {
            if (serverField === k) setError(undefined);
            setForm((f) => ({ ...f, [k]: e.target.value }));
          }}
        />
      )}
    </Field>
  );

  let body;
  if (done) {
    body = (
      <>
        <Notice tone="success">Password changed. Every device that was signed in to your account is now signed out.</Notice>
        <p>
          <Link className="btn btn-primary" to="/login">
            Sign in
          </Link>
        </p>
      </>
    );
  } else if (expired) {
    body = (
      <Notice tone="warn">
        <span>
          This password-reset link has expired. <AskAgain />.
        </span>
      </Notice>
    );
  } else if (invalid) {
    body = (
      <Notice tone="warn">
        <span>
          This password-reset link does not work: it may have been used already, or copied incompletely. <AskAgain />.
        </span>
      </Notice>
    );
  } else {
    body = (
      <form onSubmit={submit} className="stack" noValidate>
        <ErrorBanner error={serverField === 'newPassword' || serverField === 'confirm' ? undefined : error} />
        {input('newPassword', 'New password', `${MIN_PASSWORD} to ${MAX_PASSWORD} characters; a phrase is easiest to remember`)}
        {input('confirm', 'New password again')}
        <button className="btn btn-primary" type="submit" disabled={busy || !ready}>
          {busy ? 'Saving…' : 'Set new password'}
        </button>
      </form>
    );
  }

  return (
    <section className="page narrow auth-page">
      <h1>Choose a new password</h1>
      {body}
    </section>
  );
}
