// Server time for countdowns: the server's clock is authoritative (holds, auctions, flash
// sales and lotteries end at server times), so the app estimates its offset from the server and
// counts down against server "now".

export type NowFn = () => number;

/** Offset estimate from (request sent, server time, answer received) samples: the sample with
 * the shortest round trip wins (its midpoint is the least uncertain). */
export class ServerClock {
  private offsetMs = 0;
  private bestRttMs = Number.POSITIVE_INFINITY;
  private listeners = new Set<() => void>();

  constructor(private readonly localNow: NowFn = () => Date.now()) {}

  /** Records one sample. Returns the offset now in use (server minus local, ms). */
  sample(serverTimeIso: string | undefined, sentAtMs: number, receivedAtMs: number): number {
    const server = parseTimestamp(serverTimeIso);
    if (server === null || receivedAtMs < sentAtMs) return this.offsetMs;
    const rtt = receivedAtMs - sentAtMs;
    if (rtt <= this.bestRttMs) {
      this.bestRttMs = rtt;
      this.offsetMs = server - (sentAtMs + rtt / 2);
      this.listeners.forEach((l) => l());
    }
    return this.offsetMs;
  }

  /** Server minus local clock, ms. */
  offset(): number {
    return this.offsetMs;
  }

  /** The server's "now", ms since the epoch. */
  now(): number {
    return this.localNow() + this.offsetMs;
  }

  /** Milliseconds from server-now until a server timestamp (negative once passed). */
  until(targetIso: string | undefined): number | null {
    const t = parseTimestamp(targetIso);
    return t === null ? null : t - this.now();
  }

  subscribe(l: () => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

/** RFC 3339 → ms since the epoch; null when absent or unreadable. */
export function parseTimestamp(iso: string | undefined | null): number | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** proto3 JSON Duration ("1.5s", "600s") → ms; null when absent or unreadable. */
export function parseDuration(d: string | undefined | null): number | null {
  if (!d) return null;
  const m = /^(-?\d+(?:\.\d+)?)s$/.exec(d.trim());
  return m ? Math.round(Number(m[1]) * 1000) : null;
}

/** ms → proto3 JSON Duration. */
export function durationJson(ms: number): string {
  return `${Math.round(ms) / 1000}s`;
}

/** A countdown label: "0:09", "4:59", "1:02:03"; never negative. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** The shared clock of the app. */
export const serverClock = new ServerClock();
