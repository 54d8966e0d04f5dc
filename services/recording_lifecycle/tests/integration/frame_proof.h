#pragma once

// The frame proof of a recording's sale markers, shared by the ingest → VOD e2e test
// (ingest_recording_test.cc) and the whole show (tests/e2e/show_test.cc): the encoder burns a
// frame counter into its picture (clip_media's CounterFilter); the frame a player shows at a
// marker's offset of the VOD (CounterAtOffset) must be the frame the encoder made at the sale's
// wall-clock moment, derived apart from recording-lifecycle from video-ingest's LIVE playlist
// (FrameAtMoment).
//
// Tolerance, for callers comparing the two: one frame. Both sides floor a time to a frame index,
// and the times differ by up to about a millisecond — the live playlist's program date times are
// in milliseconds, EXTINF rounds to microseconds, RTMP carries milliseconds, so a frame lasts 33
// or 34 ms — so a sale within a millisecond of a frame boundary may land on either frame. A wrong
// segment, a lost discontinuity or a drifting timeline is off by many frames.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "e2e/ingest_fixture.h"

namespace shopcast::recording_lifecycle::testing {

// One segment of a VOD playlist as a player reads it: where it starts on the media timeline
// (the sum of the EXTINF durations before it) and its URI.
struct VodEntry {
  int64_t start_us = 0;
  int64_t duration_us = 0;
  std::string uri;
};
std::vector<VodEntry> ParseVodEntries(const std::string& playlist);

// The frame a player shows at `offset_us` of the recording behind `playlist_path` on
// http://127.0.0.1:`port` (the VOD origin's /vod/<id>/index.m3u8?token=…, or the gateway's
// /vod/ proxy of it): the segment whose [start, start + EXTINF) on the playlist's media
// timeline holds the offset (how hls.js and AVPlayer seek, across discontinuities), fetched by
// its URI with its token, decoded to the frame `offset - start` into it. Returns that frame's
// burned-in counter (drawn with blocks of `block` pixels; -1: none read) and the segment's URI.
std::pair<int64_t, std::string> CounterAtOffset(int port, const std::string& playlist_path,
                                                int64_t offset_us, int block);

// Live playlist entries by media sequence, merged from reads while the stream was live.
using LiveSegments = std::map<int64_t, video_ingest::e2e::PlaylistEntry>;
void MergeLive(const video_ingest::e2e::MediaPlaylist& playlist, LiveSegments& into);

// The frame the encoder made at `at_us` (Unix microseconds), from the live playlist alone: the
// live segment whose [program date time, + EXTINF) holds the moment (a moment in a reconnect gap:
// the first segment after it, whose first frame is what resumed), its first frame's counter
// (read from video-ingest's HLS origin on 127.0.0.1:`hls_port`, so while that segment is still
// served), plus the frames elapsed since its program date time.
int64_t FrameAtMoment(const LiveSegments& live, int hls_port, const std::string& stream_id,
                      int64_t at_us, int block);

}  // namespace shopcast::recording_lifecycle::testing
