import { useEffect, useState } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';

// The tokens of e-mailed links (password reset, address confirmation): 43 characters of
// base64url.
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The token of an e-mailed link, `<path>#token=<token>`: in the fragment, so it never reaches a
 * server's log or a Referer header. Null when missing or malformed. */
export function linkTokenOf(hash: string): string | null {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return token && TOKEN.test(token) ? token : null;
}

/** The token of the e-mailed link this page was opened with. It is taken out of the address bar
 * (and its history entry) as soon as it is read and kept only here; a newer link opened while on
 * the page replaces it, and `onNewLink` lets the page start over. */
export function useLinkToken(onNewLink?: () => void): string | null {
  const location = useLocation();
  const navigate = useNavigate();
  const [token, setToken] = useState(() => linkTokenOf(location.hash));
  useEffect(() => {
    if (!location.hash) return;
    const next = linkTokenOf(location.hash);
    if (next !== token) {
      setToken(next);
      onNewLink?.();
    }
    navigate({ pathname: location.pathname, search: location.search }, { replace: true, state: location.state });
    // only a new fragment matters; `token` is what it is compared with
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [location.hash]);
  return token;
}
