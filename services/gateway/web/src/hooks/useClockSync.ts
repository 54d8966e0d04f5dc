import { useEffect } from 'react';
import { Gateway } from '../api/services';
import { serverClock } from '../time/serverClock';

/** Samples the server clock (GetServerInfo) at start and every few minutes. */
export function useClockSync(): void {
  useEffect(() => {
    let stop = false;
    const sample = async () => {
      for (let i = 0; i < 3 && !stop; i++) {
        const sent = Date.now();
        try {
          const info = await Gateway.GetServerInfo({}, { anonymous: true });
          serverClock.sample(info.serverTime, sent, Date.now());
        } catch {
          return;
        }
      }
    };
    void sample();
    const id = setInterval(() => void sample(), 5 * 60_000);
    return () => {
      stop = true;
      clearInterval(id);
    };
  }, []);
}
