import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors';
import type { Moment } from '../api/types';
import { formatMediaTime, momentAt, momentSeconds, passRequired, vodPath } from './replay';

const moment = (id: string, offset: string): Moment => ({ id, mediaOffset: offset }) as Moment;

describe('replay', () => {
  it("tells a paid show's locked replay from other refusals", () => {
    const err = (code: string, reason = '') => new ApiError({ status: 403, code, message: 'x', reason });
    expect(passRequired(err('PERMISSION_DENIED', 'ACCESS_PASS_REQUIRED'))).toBe(true);
    expect(passRequired(err('UNAUTHENTICATED', 'TOKEN_MISSING'))).toBe(true);
    // not saved (yet), or gone: not a question of a pass
    expect(passRequired(err('NOT_FOUND', 'RECORDING_NOT_FOUND'))).toBe(false);
    expect(passRequired(err('FAILED_PRECONDITION', 'RECORDING_NOT_READY'))).toBe(false);
    expect(passRequired(new Error('network'))).toBe(false);
  });
  it('plays signed VOD URLs through this origin, keeping the signature', () => {
    expect(vodPath('http://gateway.suite.invalid/vod/rec_1/index.m3u8?token=abc.def')).toBe('/vod/rec_1/index.m3u8?token=abc.def');
    expect(vodPath('https://shop.example/vod/rec_1/index.m3u8?token=t&start=5')).toBe('/vod/rec_1/index.m3u8?token=t&start=5');
    expect(vodPath('/vod/rec_1/index.m3u8?token=t')).toBe('/vod/rec_1/index.m3u8?token=t');
  });

  it('refuses anything that is not a VOD playlist path', () => {
    expect(vodPath('https://evil.example/steal.m3u8')).toBeNull();
    expect(vodPath('javascript:alert(1)')).toBeNull();
    expect(vodPath('/live/str_1/index.m3u8')).toBeNull();
    expect(vodPath('')).toBeNull();
    expect(vodPath(undefined)).toBeNull();
  });

  it('writes positions as a player does', () => {
    expect(formatMediaTime(0)).toBe('0:00');
    expect(formatMediaTime(7_900)).toBe('0:07');
    expect(formatMediaTime(754_000)).toBe('12:34');
    expect(formatMediaTime(3_723_000)).toBe('1:02:03');
    expect(formatMediaTime(-5)).toBe('0:00');
  });

  it('reads moment offsets and finds the moment playing now', () => {
    const ms = [moment('a', '12.5s'), moment('b', '40s'), moment('c', '41.25s')];
    expect(momentSeconds(ms[0])).toBe(12.5);
    expect(momentSeconds(moment('x', ''))).toBe(0);
    expect(momentAt(ms, 5)).toBeUndefined();
    expect(momentAt(ms, 20)?.id).toBe('a');
    expect(momentAt(ms, 41.3)?.id).toBe('c');
    expect(momentAt(ms, 100)).toBeUndefined(); // long after the last one
  });
});
