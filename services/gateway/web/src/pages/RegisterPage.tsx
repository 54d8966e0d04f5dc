import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError } from '../api/errors';
import { session } from '../auth/session';
import { ErrorBanner } from '../components/Feedback';
import { Field } from '../components/Field';
import { safeReturnPath } from '../util/links';
import { useTitle } from '../hooks/useTitle';

const fieldOf: Record<string, string> = {
  USERNAME_TAKEN: 'username',
  USERNAME_INVALID: 'username',
  EMAIL_TAKEN: 'email',
  EMAIL_INVALID: 'email',
  WEAK_PASSWORD: 'password',
  PASSWORD_TOO_SHORT: 'password',
  PASSWORD_TOO_LONG: 'password',
  DISPLAY_NAME_INVALID: 'displayName',
};

export function RegisterPage() {
  useTitle('Create your account');
  const [params] = useSearchParams();
  const returnTo = safeReturnPath(params.get('return'));
  const navigate = useNavigate();
  const [form, setForm] = useState({ username: '', email: '', password: '', displayName: '' });
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));

  const fieldError = (k: string): string[] | undefined => {
    if (!(error instanceof ApiError)) return undefined;
    const f = fieldOf[error.reason] ?? error.field.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    return f === k ? [error.message] : undefined;
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await session.register(form.username.trim(), form.email.trim(), form.password, form.displayName.trim());
      navigate(returnTo, { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const passwordShort = form.password.length > 0 && [...form.password].length < 12;

  return (
    <section className="page narrow auth-page">
      <h1>Create your account</h1>
      <ErrorBanner error={error instanceof ApiError && fieldOf[error.reason] ? undefined : error} />
      <form onSubmit={submit} className="stack" noValidate>
        <Field label="Username" hint="3–30 lower-case letters, digits, _ or ., starting with a letter" errors={fieldError('username')}>
          {({ id, describedBy, invalid }) => (
            <input id={id} aria-describedby={describedBy} aria-invalid={invalid} autoComplete="username" value={form.username} onChange={set('username')} />
          )}
        </Field>
        <Field label="Display name (optional)" errors={fieldError('displayName')}>
          {({ id, describedBy, invalid }) => (
            <input id={id} aria-describedby={describedBy} aria-invalid={invalid} autoComplete="nickname" value={form.displayName} onChange={set('displayName')} />
          )}
        </Field>
        <Field label="Email" errors={fieldError('email')}>
          {({ id, describedBy, invalid }) => (
            <input id={id} type="email" aria-describedby={describedBy} aria-invalid={invalid} autoComplete="email" value={form.email} onChange={set('email')} />
          )}
        </Field>
        <Field
          label="Password"
          hint="At least 12 characters; a passphrase works well"
          errors={fieldError('password') ?? (passwordShort ? ['Use at least 12 characters.'] : undefined)}
        >
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              type="password"
              aria-describedby={describedBy}
              aria-invalid={invalid}
              autoComplete="new-password"
              value={form.password}
              onChange={set('password')}
            />
          )}
        </Field>
        <button className="btn btn-primary" type="submit" disabled={busy || !form.username || !form.email || passwordShort || !form.password}>
          {busy ? 'Creating…' : 'Create account'}
        </button>
      </form>
      <p>
        Have an account? <Link to={`/login?return=${encodeURIComponent(returnTo)}`}>Sign in</Link>
      </p>
    </section>
  );
}
