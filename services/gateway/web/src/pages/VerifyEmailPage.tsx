import { useState } from 'react';
import { Link } from 'react-router-dom';
import { ApiError } from '../api/errors';
import { User as UserApi } from '../api/services';
import { ErrorBanner, Notice } from '../components/Feedback';
import { useLinkToken } from '../hooks/useLinkToken';
import { useSession } from '../hooks/useSession';
import { useTitle } from '../hooks/useTitle';

/** Where a new link comes from: the account page for a signed-in owner, else signing in first. */
function AskAgain() {
  const signedIn = useSession().status === 'signedIn';
  return signedIn ? (
    <Link to="/account">Send a new link from your account page</Link>
  ) : (
    <Link to="/login?return=%2Faccount">Sign in to have a new link sent</Link>
  );
}

/** Confirming the account's e-mail address with the link of the confirmation e-mail. The token is
 * taken from the address bar at once; the address is confirmed when the reader presses the
 * button, not on opening the page, so a mail scanner that opens links (and runs their scripts)
 * cannot confirm an address for someone who signed up with it. No session is needed: the link
 * may be opened in another browser. */
export function VerifyEmailPage() {
  useTitle('Confirm your e-mail address');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const token = useLinkToken(() => {
    setError(undefined);
    setDone(false);
  });

  const confirm = async () => {
    if (!token) return;
    setBusy(true);
    setError(undefined);
    try {
      await UserApi.VerifyEmail({ verificationToken: token }, { anonymous: true });
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const reason = error instanceof ApiError ? error.reason : '';
  let body;
  if (done) {
    body = (
      <>
        <Notice tone="success">Your e-mail address is confirmed. Thank you!</Notice>
        <p>
          <Link className="btn btn-primary" to="/">
            Go to the live shows
          </Link>
        </p>
      </>
    );
  } else if (reason === 'VERIFICATION_TOKEN_EXPIRED') {
    body = (
      <Notice tone="warn">
        <span>
          This confirmation link has expired. <AskAgain />.
        </span>
      </Notice>
    );
  } else if (!token || reason === 'VERIFICATION_TOKEN_INVALID') {
    body = (
      <Notice tone="warn">
        <span>
          This confirmation link does not work: it may belong to an older e-mail, or have been copied incompletely.{' '}
          <AskAgain />.
        </span>
      </Notice>
    );
  } else {
    body = (
      <>
        <ErrorBanner error={error} />
        <p>Confirm that this e-mail address belongs to your Shopcast account.</p>
        <p>
          <button type="button" className="btn btn-primary" onClick={() => void confirm()} disabled={busy}>
            {busy ? 'Confirming…' : 'Confirm my e-mail address'}
          </button>
        </p>
      </>
    );
  }

  return (
    <section className="page narrow auth-page">
      <h1>Confirm your e-mail address</h1>
      {body}
    </section>
  );
}
