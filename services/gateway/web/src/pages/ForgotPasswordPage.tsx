import { useState, type FormEvent } from 'react';
import { Link, useLocation } from 'react-router-dom';
import { ApiError } from '../api/errors';
import { User as UserApi } from '../api/services';
import { ErrorBanner, Notice } from '../components/Feedback';
import { Field } from '../components/Field';
import { useTitle } from '../hooks/useTitle';

/** Asking for a password-reset e-mail. The answer is the same whether or not an account has the
 * address (the user service never tells), so the page never says that one does. */
export function ForgotPasswordPage() {
  useTitle('Forgot your password?');
  // The login page hands over what was typed there when it is an address (in the router's state,
  // never the URL: an address does not belong in server logs).
  const handed = (useLocation().state as { email?: unknown } | null)?.email;
  const [email, setEmail] = useState(typeof handed === 'string' ? handed : '');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);

  const onEmail = error instanceof ApiError && (error.reason === 'EMAIL_INVALID' || error.field === 'email');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!email.trim()) return;
    setBusy(true);
    setError(undefined);
    try {
      await UserApi.RequestPasswordReset({ email: email.trim() }, { anonymous: true });
      setSent(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="page narrow auth-page">
      <h1>Forgot your password?</h1>
      {sent ? (
        <>
          <Notice tone="success">
            If an account uses that address, we have sent it a link to choose a new password. The link works once and expires soon;
            if nothing arrives, look in your spam folder.
          </Notice>
          <p>
            Nothing came?{' '}
            <button type="button" className="link-btn" onClick={() => setSent(false)}>
              Send another link
            </button>
          </p>
        </>
      ) : (
        <>
          <p className="muted">Enter the email address of your account and we will send it a link to choose a new password.</p>
          <ErrorBanner error={onEmail ? undefined : error} />
          <form onSubmit={submit} className="stack" noValidate>
            <Field label="Email" errors={onEmail ? [(error as ApiError).message] : undefined}>
              {({ id, describedBy, invalid }) => (
                <input
                  id={id}
                  type="email"
                  aria-describedby={describedBy}
                  aria-invalid={invalid}
                  autoComplete="email"
                  value={email}
                  onChange={(e) => {
                    if (onEmail) setError(undefined);
                    setEmail(e.target.value);
                  }}
                />
              )}
            </Field>
            <button className="btn btn-primary" type="submit" disabled={busy || !email.trim()}>
              {busy ? 'Sending…' : 'Send link'}
            </button>
          </form>
        </>
      )}
      <p>
        Remembered it? <Link to="/login">Sign in</Link>
      </p>
    </section>
  );
}
