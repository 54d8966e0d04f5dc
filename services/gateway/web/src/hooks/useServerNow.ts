import { useEffect, useState } from 'react';
import { serverClock } from '../time/serverClock';

/** Server-time "now" in ms, re-rendering every `tickMs`. */
export function useServerNow(tickMs = 1000): number {
  const [now, setNow] = useState(() => serverClock.now());
  useEffect(() => {
    const id = setInterval(() => setNow(serverClock.now()), tickMs);
    const off = serverClock.subscribe(() => setNow(serverClock.now()));
    return () => {
      clearInterval(id);
      off();
    };
  }, [tickMs]);
  return now;
}

/** Milliseconds left until a server timestamp (null when absent), ticking. */
export function useCountdown(targetIso: string | undefined, tickMs = 250): number | null {
  const now = useServerNow(tickMs);
  if (!targetIso) return null;
  const t = Date.parse(targetIso);
  return Number.isNaN(t) ? null : t - now;
}
