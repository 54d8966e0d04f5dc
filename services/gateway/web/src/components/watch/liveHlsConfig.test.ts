import Hls, { M3U8Parser, PlaylistLevelType } from 'hls.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { liveHlsConfig } from './liveHlsConfig';

// A live playlist as video-ingest writes it (its README): 2 s segments, parts of 0.334 s,
// PART-HOLD-BACK of four and a half part targets.
const playlist = [
  '#EXTM3U',
  '#EXT-X-VERSION:6',
  '#EXT-X-TARGETDURATION:2',
  '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.503',
  '#EXT-X-PART-INF:PART-TARGET=0.334',
  '#EXT-X-MEDIA-SEQUENCE:40',
  '#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:00.021Z',
  '#EXT-X-PART:DURATION=0.334,URI="000040_0.ts",INDEPENDENT=YES',
  '#EXT-X-PART:DURATION=0.333,URI="000040_1.ts"',
  '#EXT-X-PART:DURATION=0.333,URI="000040_2.ts"',
  '#EXT-X-PART:DURATION=0.334,URI="000040_3.ts",INDEPENDENT=YES',
  '#EXT-X-PART:DURATION=0.333,URI="000040_4.ts"',
  '#EXT-X-PART:DURATION=0.333,URI="000040_5.ts"',
  '#EXTINF:2.000,',
  '000040.ts',
  '#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:02.021Z',
  '#EXT-X-PART:DURATION=0.334,URI="000041_0.ts",INDEPENDENT=YES',
  '#EXT-X-PART:DURATION=0.333,URI="000041_1.ts"',
  '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="000041_2.ts"',
  '',
].join('\n');

// How far behind live hls.js aims to play `playlist` with `config` (its latency controller).
function targetLatency(config: Partial<typeof Hls.DefaultConfig>): number | null {
  const hls = new Hls(config);
  const details = M3U8Parser.parseLevelPlaylist(
    playlist,
    'http://127.0.0.1/live/str_x/live.m3u8',
    0,
    PlaylistLevelType.MAIN,
    0,
    null,
  );
  vi.spyOn(hls, 'latestLevelDetails', 'get').mockReturnValue(details);
  const target = hls.targetLatency;
  hls.destroy();
  return target;
}

describe('liveHlsConfig', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is a configuration hls.js accepts', () => {
    expect(() => new Hls({ ...liveHlsConfig }).destroy()).not.toThrow();
  });

  it("holds the playlist's PART-HOLD-BACK behind live, not three target durations", () => {
    expect(targetLatency({ ...liveHlsConfig })).toBeCloseTo(1.503, 3);
    // Why liveSyncDurationCount stays unset, even at its default: set, it replaces the hold-back.
    expect(targetLatency({ ...liveHlsConfig, liveSyncDurationCount: 3 })).toBeCloseTo(6, 3);
    expect(liveHlsConfig.liveSyncDuration).toBeUndefined();
  });

  it('catches up gently: faster playback is capped at 1.1', () => {
    expect(liveHlsConfig.lowLatencyMode).toBe(true);
    expect(liveHlsConfig.maxLiveSyncPlaybackRate).toBe(1.1);
  });
});
