import { useEffect, useState } from 'react';
import { User } from '../../api/services';
import { describeError } from '../../api/errors';
import { useRequireLogin } from '../../hooks/useRequireLogin';
import { useSession } from '../../hooks/useSession';

/** Follow the host (to be told when they go live). */
export function FollowButton({ hostId, hostName }: { hostId: string; hostName: string }) {
  const s = useSession();
  const me = s.user?.id;
  const requireLogin = useRequireLogin();
  const [following, setFollowing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  useEffect(() => {
    if (!me || !hostId) return;
    let live = true;
    User.ListFollowing({ userId: me, page: { pageSize: 100 } }).then(
      (r) => live && setFollowing(!!r.users?.some((u) => u.id === hostId)),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [me, hostId]);

  if (me && me === hostId) return null;
  const toggle = async () => {
    if (!requireLogin()) return;
    setBusy(true);
    setError('');
    try {
      if (following) await User.Unfollow({ userId: hostId });
      else await User.Follow({ userId: hostId });
      setFollowing(!following);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" className={`btn btn-small${following ? ' btn-ghost' : ' btn-primary'}`} aria-pressed={following} onClick={toggle} disabled={busy}>
        {following ? `Following ✓` : `Follow ${hostName}`}
      </button>
      {error && <span className="field-error" role="alert">{error}</span>}
    </>
  );
}
