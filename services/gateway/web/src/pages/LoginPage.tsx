import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { session } from '../auth/session';
import { ErrorBanner } from '../components/Feedback';
import { Field } from '../components/Field';
import { safeReturnPath } from '../util/links';
import { useTitle } from '../hooks/useTitle';

export function LoginPage() {
  useTitle('Sign in');
  const [params] = useSearchParams();
  const returnTo = safeReturnPath(params.get('return'));
  const navigate = useNavigate();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await session.login(login.trim(), password);
      navigate(returnTo, { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="page narrow auth-page">
      <h1>Sign in</h1>
      <p className="muted">Chat, buy and bid in live shows.</p>
      <ErrorBanner error={error} />
      <form onSubmit={submit} className="stack" noValidate>
        <Field label="Username or email">
          {({ id, describedBy }) => (
            <input id={id} aria-describedby={describedBy} autoComplete="username" required value={login} onChange={(e) => setLogin(e.target.value)} />
          )}
        </Field>
        <Field label="Password">
          {({ id, describedBy }) => (
            <input
              id={id}
              aria-describedby={describedBy}
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <button className="btn btn-primary" type="submit" disabled={busy || !login || !password}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p>
        <Link to="/forgot-password" state={login.includes('@') ? { email: login.trim() } : undefined}>
          Forgot your password?
        </Link>
      </p>
      <p>
        New here? <Link to={`/register?return=${encodeURIComponent(returnTo)}`}>Create an account</Link>
      </p>
    </section>
  );
}
