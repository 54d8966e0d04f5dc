import { cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useReplay, type ReplayState } from './useReplay';

const recording = { id: 'rec_1', streamId: 'str_1', status: 'RECORDING_STATUS_READY', decision: 'RETENTION_DECISION_SAVE', gated: true };
const refused = { status: 403, body: { code: 'PERMISSION_DENIED', message: 'An access pass is required.', errorInfo: { reason: 'ACCESS_PASS_REQUIRED' } } };
const url = { status: 200, body: { url: 'http://vod.example/vod/rec_1/index.m3u8?token=t1' } };

// GetPlaybackUrl's answers, in turn (the last one repeats), and how often it was asked.
let playback: Array<{ status: number; body: unknown }>;
let asked: number;

beforeEach(() => {
  asked = 0;
  vi.stubGlobal(
    'fetch',
    vi.fn(async (u: string) => {
      if (u.endsWith('/GetRecording')) return new Response(JSON.stringify({ recording }), { status: 200 });
      if (u.endsWith('/GetPlaybackUrl')) {
        asked++;
        const a = playback.length > 1 ? playback.shift()! : playback[0];
        return new Response(JSON.stringify(a.body), { status: a.status });
      }
      if (u.endsWith('/ListMoments')) return new Response(JSON.stringify({ moments: [] }), { status: 200 });
      return new Response('{}', { status: 404 });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('useReplay on a paid show', () => {
  it('locks the replay for a viewer without a pass, and asks once', async () => {
    playback = [refused];
    const { result } = renderHook(() => useReplay('str_1', true, undefined, 'usr_me'));
    await waitFor(() => expect(result.current).toMatchObject({ kind: 'locked', signedIn: true }));
    await new Promise((r) => setTimeout(r, 400));
    expect(asked).toBe(1);
  });

  it('after a purchase, asks again while the pass travels, then plays', async () => {
    playback = [refused];
    const states: ReplayState[] = [];
    const { result, rerender } = renderHook(
      ({ pass }) => {
        const st = useReplay('str_1', true, undefined, 'usr_me', pass);
        if (states[states.length - 1] !== st) states.push(st);
        return st;
      },
      { initialProps: { pass: 0 } },
    );
    await waitFor(() => expect(result.current.kind).toBe('locked'));
    playback = [refused, refused, url];
    rerender({ pass: 1 });
    await waitFor(() => expect(result.current).toMatchObject({ kind: 'ready', src: '/vod/rec_1/index.m3u8?token=t1' }), { timeout: 3_000 });
    expect(asked).toBe(4);
    // the gate (showing the purchase) stayed as it was until the pass arrived
    expect(states.map((s) => s.kind)).toEqual(['none', 'locked', 'ready']);
  });

  it('locks it for a signed-out visitor, who may hold a pass on their account', async () => {
    playback = [{ status: 401, body: { code: 'UNAUTHENTICATED', message: 'Sign in.', errorInfo: { reason: 'TOKEN_MISSING' } } }];
    const { result } = renderHook(() => useReplay('str_1', true));
    await waitFor(() => expect(result.current).toMatchObject({ kind: 'locked', signedIn: false }));
  });
});
