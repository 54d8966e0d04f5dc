import { useSyncExternalStore } from 'react';
import { session, type SessionState } from '../auth/session';

export function useSession(): SessionState {
  return useSyncExternalStore(
    (cb) => session.subscribe(cb),
    () => session.state,
  );
}

export function isHost(s: SessionState): boolean {
  return s.user?.role === 'ROLE_HOST' || s.user?.role === 'ROLE_ADMIN';
}

export function isAdmin(s: SessionState): boolean {
  return s.user?.role === 'ROLE_ADMIN';
}
