#pragma once

// What the ingest runtime needs of the streams database: claims on streams for encoders, their
// segments, their ends, and the liveness of the process instances that hold them. An interface
// so that the runtime's concurrency and fault cases run in unit tests with a fake; StreamStore
// (stream_store.h) is the PostgreSQL implementation. Times are passed in (`now`).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "publish/publish.h"
#include "publish/segment.h"
#include "streams/stream.h"

namespace shopcast::video_ingest::streams {

// An encoder's hold on a stream, from ClaimForPublish until ReleaseSession/FailStream.
struct Claim {
  std::string stream_id, session_id, host_id, title;
  bool resumed = false;  // the stream was RECONNECTING: a continuation (discontinuity)
  int64_t next_sequence = 0;
  absl::Duration media_offset;
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;

  // key hash → stream FOR UPDATE; unknown key PERMISSION_DENIED/STREAM_KEY_INVALID;
  // ENDED/ERROR (or RECONNECTING past its deadline, ended here) FAILED_PRECONDITION/
  // STREAM_ENDED; another session active → FAILED_PRECONDITION/ALREADY_PUBLISHING with a
  // PublishRejected event and a REJECTED session row (both committed); else a new ses_ session,
  // owned by this instance, holds the stream. Status stays PREPARING / RECONNECTING until the
  // first segment.
  virtual absl::StatusOr<Claim> ClaimForPublish(std::string_view stream_key,
                                                IngestProtocol protocol,
                                                std::string_view remote_address,
                                                absl::Time now) = 0;
  // Stores what the packager learned about the session's media. NOT_FOUND/SESSION_NOT_FOUND.
  virtual absl::Status RecordMediaInfo(std::string_view session_id, const MediaInfo& info) = 0;
  // Idempotent per (stream, sequence): the segment + SegmentClosed, session counters, the
  // stream's next_sequence/media_offset; the claim's first segment makes the stream LIVE with
  // StreamWentLive (resumed = came from RECONNECTING). A segment of a session that no longer
  // holds the stream is still recorded, without any status change; if that session has been
  // ended (its instance was taken for dead), FAILED_PRECONDITION/SESSION_ENDED follows the
  // commit so the runtime cuts the encoder, which then reconnects for a fresh claim.
  virtual absl::Status RecordSegment(const Claim& claim, const SegmentInfo& segment,
                                     absl::Time now) = 0;
  // Ends the session (idempotent) and frees the stream: LIVE → RECONNECTING with a deadline
  // of now + grace + StreamReconnecting (no event when `why` is STREAM_ENDED: the end follows);
  // a stream that never went live in this session stays as it was (PREPARING gets
  // `error` as its error_reason if given). NOT_FOUND/SESSION_NOT_FOUND.
  virtual absl::Status ReleaseSession(std::string_view session_id, vpb::SessionEndReason why,
                                      cpb::StreamErrorReason error, absl::Time now) = 0;
  // Ends the session and its stream as ERROR (terminal) + StreamEnded{ERROR, end_reason ERROR}.
  virtual absl::Status FailStream(std::string_view session_id, cpb::StreamErrorReason error,
                                  absl::Time now) = 0;
  // RECONNECTING past the deadline with no encoder trying → ENDED/GRACE_EXPIRED, recording
  // UNDECIDED, + StreamEnded with totals. Returns the ended stream ids (at most 100 per call).
  virtual absl::StatusOr<std::vector<std::string>> ExpireGracePeriods(absl::Time now) = 0;

  // Marks this instance alive at `now`; sessions of instances silent for longer than the lease
  // are taken for orphans by the others.
  virtual absl::Status Heartbeat(absl::Time now) = 0;
  // Releases (as if the encoder left) the open sessions nobody serves: those of instances whose
  // heartbeat is older than the lease, and, when `starting`, this instance's own (left by its
  // previous run). Never the sessions of a live instance. Returns the released session ids.
  virtual absl::StatusOr<std::vector<std::string>> ReleaseOrphanedSessions(absl::Time now,
                                                                           bool starting) = 0;
};

}  // namespace shopcast::video_ingest::streams
