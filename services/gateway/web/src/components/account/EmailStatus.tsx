import { useEffect, useState } from 'react';
import { ApiError } from '../../api/errors';
import { User as UserApi } from '../../api/services';
import { ErrorBanner, Notice } from '../Feedback';

/** The account's e-mail address and whether it is confirmed. Notification e-mails (go-live,
 * orders, sales) go only to a confirmed address; until then the owner can have a new
 * confirmation link sent (a few an hour). */
export function EmailStatus() {
  const [me, setMe] = useState<{ email: string; verified: boolean }>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);

  useEffect(() => {
    let live = true;
    UserApi.GetMe({})
      .then((res) => live && setMe({ email: res.email ?? '', verified: res.emailVerified ?? false }))
      .catch((err) => live && setError(err));
    return () => {
      live = false;
    };
  }, []);

  const sendLink = async () => {
    setBusy(true);
    setError(undefined);
    setSent(false);
    try {
      const res = await UserApi.RequestEmailVerification({});
      if (res.alreadyVerified) setMe((m) => m && { ...m, verified: true });
      else setSent(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const throttled = error instanceof ApiError && error.reason === 'VERIFICATION_EMAIL_THROTTLED';
  return (
    <section className="stack" aria-label="E-mail address">
      <h2>E-mail address</h2>
      {throttled ? (
        <Notice tone="warn">A few confirmation e-mails have been sent in the last hour: look for them in your inbox (and spam folder), or ask again later.</Notice>
      ) : (
        <ErrorBanner error={error} />
      )}
      {me && (
        <p>
          <strong>{me.email}</strong>{' '}
          {me.verified ? (
            <span className="badge badge-success">Confirmed</span>
          ) : (
            <span className="badge badge-warn">Not confirmed</span>
          )}
        </p>
      )}
      {me && !me.verified && (
        <>
          <p className="muted">
            Confirm your address with the link we e-mailed you when you signed up, so we can tell you when hosts you
            follow go live and how your orders are doing.
          </p>
          {sent && <Notice tone="success">We sent a new link to {me.email}.</Notice>}
          <p>
            <button type="button" className="btn" onClick={() => void sendLink()} disabled={busy}>
              {busy ? 'Sending…' : 'Send a new link'}
            </button>
          </p>
        </>
      )}
    </section>
  );
}
