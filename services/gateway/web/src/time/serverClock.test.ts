import { describe, expect, it } from 'vitest';
import { ServerClock, durationJson, formatCountdown, parseDuration } from './serverClock';

describe('server clock', () => {
  it('estimates the offset from the fastest round trip and counts down in server time', () => {
    let local = 1_000_000;
    const clock = new ServerClock(() => local);
    // server is 30 s ahead; a slow sample (rtt 2 s) then a fast one (rtt 100 ms)
    clock.sample(new Date(1_000_000 + 30_000 + 1_000 + 700).toISOString(), 1_000_000, 1_002_000);
    clock.sample(new Date(1_010_000 + 30_000 + 50).toISOString(), 1_010_000, 1_010_100);
    expect(clock.offset()).toBe(30_000);
    local = 1_020_000;
    const endsAt = new Date(1_020_000 + 30_000 + 90_000).toISOString(); // 90 s from server-now
    expect(clock.until(endsAt)).toBe(90_000);
    expect(formatCountdown(clock.until(endsAt)!)).toBe('1:30');
  });

  it('ignores unreadable samples', () => {
    const clock = new ServerClock(() => 0);
    expect(clock.sample(undefined, 0, 10)).toBe(0);
    expect(clock.sample('not a time', 0, 10)).toBe(0);
    expect(clock.until(undefined)).toBeNull();
  });

  it('formats countdowns and durations', () => {
    expect(formatCountdown(-5)).toBe('0:00');
    expect(formatCountdown(9_001)).toBe('0:10');
    expect(formatCountdown(3_723_000)).toBe('1:02:03');
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('600s')).toBe(600_000);
    expect(parseDuration('x')).toBeNull();
    expect(durationJson(15_000)).toBe('15s');
  });
});
