import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { serverClock } from '../time/serverClock';
import { Countdown } from './Countdown';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('Countdown', () => {
  it('counts down to a server time, corrected by the clock skew', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    // the server runs 2 minutes ahead of this machine
    serverClock.sample('2030-01-01T00:02:00.000Z', Date.now(), Date.now());
    render(<Countdown to="2030-01-01T00:03:30Z" label="Hold expires in" />);
    expect(screen.getByRole('timer').getAttribute('aria-label')).toBe('Hold expires in: 1:30');
    act(() => {
      vi.advanceTimersByTime(60_000);
    });
    expect(screen.getByRole('timer').getAttribute('aria-label')).toBe('Hold expires in: 0:30');
    expect(screen.getByRole('timer').className).not.toContain('urgent');
    act(() => {
      vi.advanceTimersByTime(5_000);
    });
    expect(screen.getByRole('timer').className).toContain('urgent');
    act(() => {
      vi.advanceTimersByTime(30_000);
    });
    expect(screen.getByRole('timer').textContent).toContain('Ended');
  });
});
