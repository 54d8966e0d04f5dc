#pragma once

// SQL of playback (reads of recordings, segments and markers; the view counter).

namespace shopcast::recording_lifecycle::playback::sql {

// $1 id → id, host_id, status, decision, tier, duration_us, poster_key, gated (its stream's
// stream_access, V040; false when unknown).
extern const char kSelectRecording[];
// $1 recording, $2 viewer → whether the viewer holds an unrevoked access pass for its stream.
extern const char kHoldsPass[];
// $1 recording → sequence, pdt (unix µs), duration_us, discontinuity, tier, object_key,
// size_bytes, sha256; by sequence.
extern const char kSelectSegments[];
// $1 recording, $2 sequence → tier, object_key, size_bytes, sha256.
extern const char kSelectSegment[];
// $1 recording → the placed markers: id, kind, media_offset_us, product_id, order_id,
// product_title, auction_id, result, quantity, amount_minor, currency, cancelled.
extern const char kSelectMarkers[];
// $1 moment id, $2 recording → media_offset_us (NULL unplaced), cancelled; sales only.
extern const char kSelectMoment[];
// $1 recording: one more view, played now.
extern const char kCountView[];

}  // namespace shopcast::recording_lifecycle::playback::sql
