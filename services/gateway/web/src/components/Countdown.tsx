import { useCountdown } from '../hooks/useServerNow';
import { formatCountdown } from '../time/serverClock';

interface Props {
  to: string | undefined;
  label: string;
  /** Shown when the time has passed. */
  done?: string;
  urgentBelowMs?: number;
}

/** A live countdown to a server timestamp (corrected by the measured clock skew). */
export function Countdown({ to, label, done = 'Ended', urgentBelowMs = 30_000 }: Props) {
  const left = useCountdown(to);
  if (left === null) return null;
  const over = left <= 0;
  return (
    <span className={`countdown${!over && left < urgentBelowMs ? ' urgent' : ''}`} role="timer" aria-label={`${label}: ${over ? done : formatCountdown(left)}`}>
      <span className="countdown-label">{label}</span> <strong>{over ? done : formatCountdown(left)}</strong>
    </span>
  );
}
