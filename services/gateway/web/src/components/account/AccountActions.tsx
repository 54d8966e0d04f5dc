import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { User as UserApi } from '../../api/services';
import type { User } from '../../api/types';
import { describeError } from '../../api/errors';
import { session } from '../../auth/session';
import { ConfirmModal } from '../ConfirmModal';

/** Signing out on every device, and deleting the account for good (after typing its username). */
export function AccountActions({ user }: { user: User }) {
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  const signOutEverywhere = async () => {
    setBusy(true);
    navigate('/login', { replace: true });
    await session.logout(true);
  };

  const remove = async () => {
    setBusy(true);
    setError('');
    try {
      await UserApi.DeleteAccount({ userId: user.id });
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
      return;
    }
    // Leave the page first: it is for signed-in people, and signing out would send us to login.
    navigate('/', { replace: true });
    await session.logout();
  };

  return (
    <section className="stack" aria-label="Sessions and account">
      <h2>Sessions and account</h2>
      <div>
        <button type="button" className="btn" onClick={() => void signOutEverywhere()} disabled={busy}>
          Sign out on every device
        </button>
      </div>
      <div>
        <button type="button" className="btn btn-danger" onClick={() => setConfirming(true)} disabled={busy}>
          Delete my account
        </button>
      </div>
      {confirming && (
        <ConfirmModal
          title="Delete your account?"
          confirmLabel="Delete for good"
          busyLabel="Deleting…"
          busy={busy}
          confirmDisabled={typed !== user.username}
          error={error}
          onClose={() => setConfirming(false)}
          onConfirm={() => void remove()}
        >
          <p>
            Your profile, e-mail address, password, follows and notification settings are removed, and you are signed out everywhere. Your
            username becomes free for anyone. This cannot be undone.
          </p>
          <label>
            Type your username, <strong>{user.username}</strong>, to confirm
            <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" data-autofocus />
          </label>
        </ConfirmModal>
      )}
    </section>
  );
}
