import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { session } from '../auth/session';
import { isAdmin, isHost, useSession } from '../hooks/useSession';
import { ErrorBoundary } from './ErrorBoundary';
import { NotificationBell } from './NotificationBell';

export function Layout() {
  const s = useSession();
  const loc = useLocation();
  const navigate = useNavigate();
  const returnTo = encodeURIComponent(loc.pathname + loc.search);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand" aria-label="Shopcast home">
          <span className="brand-dot" aria-hidden="true" />
          Shopcast
        </Link>
        <nav aria-label="Main" className="topnav">
          <NavLink to="/" end>
            Live
          </NavLink>
          {s.status === 'signedIn' && <NavLink to="/orders">Orders</NavLink>}
          {s.status === 'signedIn' && <NavLink to="/account">Account</NavLink>}
          {isHost(s) && <NavLink to="/host">Host console</NavLink>}
          {isAdmin(s) && <NavLink to="/admin">Admin</NavLink>}
        </nav>
        <div className="topbar-right">
          <NotificationBell />
          {s.status === 'signedIn' ? (
            <div className="account">
              <Link className="account-name" to="/account" title={`${s.user?.username ?? ''}: your account`}>
                {s.user?.displayName || s.user?.username}
              </Link>
              <button
                type="button"
                className="btn btn-small btn-ghost"
                onClick={async () => {
                  await session.logout();
                  navigate('/');
                }}
              >
                Sign out
              </button>
            </div>
          ) : s.status === 'signedOut' ? (
            <Link className="btn btn-small" to={`/login?return=${returnTo}`}>
              Sign in
            </Link>
          ) : null}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <ErrorBoundary resetKey={loc.pathname}>
          <Outlet />
        </ErrorBoundary>
      </main>
    </>
  );
}
