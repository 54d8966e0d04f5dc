import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { useSession } from '../hooks/useSession';
import { Spinner } from './Feedback';

/** Sends a signed-out visitor to the login page (and back here afterwards). */
export function RequireAuth({ children, role }: { children: ReactNode; role?: 'host' | 'admin' }) {
  const s = useSession();
  const loc = useLocation();
  if (s.status === 'loading') return <Spinner label="Signing in" />;
  if (s.status === 'signedOut') {
    return <Navigate replace to={`/login?return=${encodeURIComponent(loc.pathname + loc.search)}`} />;
  }
  const r = s.user?.role;
  if (role === 'admin' && r !== 'ROLE_ADMIN') return <Denied what="the admin area" />;
  if (role === 'host' && r !== 'ROLE_HOST' && r !== 'ROLE_ADMIN') return <Denied what="the host console" />;
  return <>{children}</>;
}

function Denied({ what }: { what: string }) {
  return (
    <section className="page narrow">
      <h1>Not available</h1>
      <p>Your account cannot open {what}. An admin can grant the host role.</p>
    </section>
  );
}
