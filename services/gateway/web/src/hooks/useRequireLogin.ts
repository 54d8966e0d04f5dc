import { useCallback } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { useSession } from './useSession';

/** Returns a guard: true when signed in; otherwise sends the visitor to login and back. */
export function useRequireLogin(): () => boolean {
  const s = useSession();
  const navigate = useNavigate();
  const loc = useLocation();
  return useCallback(() => {
    if (s.status === 'signedIn') return true;
    navigate(`/login?return=${encodeURIComponent(loc.pathname)}`);
    return false;
  }, [s.status, navigate, loc.pathname]);
}
