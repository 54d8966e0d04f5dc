#pragma once

// Persistence of streams, ingest sessions and segments on video-ingest's PostgreSQL database,
// with their events written to the outbox in the same transactions. Every method is one
// transaction; libpqxx exceptions never leave this class. Times are passed in (`now`) so
// callers and tests own the clock.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "publish/publish.h"
#include "publish/segment.h"
#include "shopcast/db/pool.h"
#include "streams/page_token.h"
#include "streams/store/session_store.h"
#include "streams/stream.h"

namespace shopcast::video_ingest::streams {

inline constexpr char kEventSource[] = "video_ingest";

struct StoreOptions {
  // "http://localhost:8088" → playback_url = base + "/live/<id>/index.m3u8".
  std::string playback_base_url;
  absl::Duration reconnect_grace = absl::Seconds(60);
  int max_open_streams_per_host = 5;  // PREPARING + LIVE streams of one host
  // Outbox destinations of every event; none means events are not written.
  std::vector<std::string> event_destinations;
  // This process instance: it owns the sessions it admits (a pod name, stable across restarts).
  std::string instance_id = "video-ingest";
  // An instance whose heartbeat is older than this is taken for gone and its sessions released.
  absl::Duration instance_lease = absl::Seconds(30);
  // Where this instance serves HLS ("http://video-ingest-1.video-ingest-hls:8088"), recorded
  // with its heartbeat so LookupStreams can route a live stream's players to it.
  std::string hls_origin;
};

struct NewStream {
  std::string host_id;
  std::string title;
  std::string description;
  std::vector<std::string> tags;
  std::optional<absl::Time> scheduled_start_at;
  std::string idempotency_key;
  // Identifies the request's content; the key reused with another one is refused.
  std::string request_fingerprint;
  std::string key_hash;  // ids::HashSecret of the key
  std::string key_hint;  // last 4 characters of the key
  bool gated = false;    // then access_price is set
  std::optional<AccessPrice> access_price;
};

// The content fields UpdateStream may change; unset members are left alone.
struct StreamUpdate {
  std::optional<std::string> title;
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> tags;
  std::optional<std::optional<absl::Time>> scheduled_start_at;  // inner nullopt clears it
  std::optional<bool> gated;
  std::optional<AccessPrice> access_price;  // a price cannot be removed, only replaced
  int64_t expected_version = 0;
};

struct StreamPage {
  std::vector<StreamRow> streams;
  std::optional<PageCursor> next;  // set when more rows follow
};

struct SegmentPage {
  std::vector<SegmentRow> segments;
  std::optional<PageCursor> next;
};

class StreamStore final : public SessionStore {
 public:
  StreamStore(db::Pool& pool, StoreOptions options);

  // (name, sql) pairs the pool must prepare on every connection.
  static std::vector<std::pair<std::string, std::string>> PreparedStatements();

  const StoreOptions& options() const { return options_; }

  // ---- The gRPC service's side ----

  // A PREPARING stream + StreamCreated. FAILED_PRECONDITION/STREAM_KEY_ALREADY_ISSUED when the
  // host already used the idempotency key for the same request, INVALID_ARGUMENT/
  // IDEMPOTENCY_KEY_REUSED when for another (a different request_fingerprint);
  // RESOURCE_EXHAUSTED/TOO_MANY_OPEN_STREAMS beyond the per-host limit of PREPARING and LIVE
  // streams (RECONNECTING ones do not count: see kCountOpenStreams).
  absl::StatusOr<StreamRow> CreateStream(const NewStream& stream, absl::Time now);
  // The stream with its latest session; NOT_FOUND/STREAM_NOT_FOUND.
  absl::StatusOr<StreamRow> GetStream(std::string_view stream_id);
  // Replaces the key hash (the old key stops matching at once). NOT_STREAM_OWNER unless
  // `host_id` owns it; STREAM_ENDED when terminal.
  absl::StatusOr<StreamRow> RotateKey(std::string_view stream_id, std::string_view host_id,
                                      std::string_view key_hash, std::string_view key_hint,
                                      absl::Time now);
  // Applies `update` + StreamUpdated. NOT_STREAM_OWNER, STREAM_ENDED, ABORTED/VERSION_MISMATCH,
  // FAILED_PRECONDITION/STREAM_ALREADY_STARTED (schedule change after PREPARING),
  // INVALID_ARGUMENT/ACCESS_PRICE_REQUIRED (gated without a price, given or stored).
  absl::StatusOr<StreamRow> UpdateStream(std::string_view stream_id, std::string_view host_id,
                                         const StreamUpdate& update, absl::Time now);
  // LIVE and RECONNECTING streams, most recently live first; "" filters match everything.
  absl::StatusOr<StreamPage> ListLive(std::string_view tag, std::string_view host_id, int limit,
                                      const PageCursor& after);
  // PREPARING streams scheduled after `now`, soonest first.
  absl::StatusOr<StreamPage> ListUpcoming(std::string_view tag, std::string_view host_id,
                                          absl::Time now, int limit, const PageCursor& after);
  // The host's streams, newest first; empty `statuses` matches all.
  absl::StatusOr<StreamPage> ListByHost(std::string_view host_id,
                                        const std::vector<cpb::StreamStatus>& statuses, int limit,
                                        const PageCursor& after);
  // Host ending: PREPARING → ENDED/CANCELLED, LIVE/RECONNECTING → ENDED/HOST_ENDED, each with
  // StreamEnded; an open session is closed as STREAM_ENDED. Terminal streams are returned
  // unchanged. NOT_STREAM_OWNER unless `host_id` owns it.
  absl::StatusOr<StreamRow> EndStream(std::string_view stream_id, std::string_view host_id,
                                      vpb::RecordingChoice choice, absl::Time now);
  // Admin ending: → ERROR/POLICY_VIOLATION, FORCE_ENDED, recording UNDECIDED, + StreamEnded;
  // `note` is kept for the audit trail. Terminal streams are returned unchanged.
  absl::StatusOr<StreamRow> ForceEndStream(std::string_view stream_id, std::string_view note,
                                           absl::Time now);
  // The streams among `ids` that exist (without sessions, with hls_origin), in no particular order.
  absl::StatusOr<std::vector<StreamRow>> LookupStreams(const std::vector<std::string>& ids);
  // Segments with sequence >= from_sequence, in order. NOT_FOUND/STREAM_NOT_FOUND.
  absl::StatusOr<SegmentPage> ListSegments(std::string_view stream_id, int64_t from_sequence,
                                           int limit, const PageCursor& after);

  // ---- The ingest runtime's side (session_store.h) ----

  absl::StatusOr<Claim> ClaimForPublish(std::string_view stream_key, IngestProtocol protocol,
                                        std::string_view remote_address, absl::Time now) override;
  absl::Status RecordMediaInfo(std::string_view session_id, const MediaInfo& info) override;
  absl::Status RecordSegment(const Claim& claim, const SegmentInfo& segment,
                             absl::Time now) override;
  absl::Status ReleaseSession(std::string_view session_id, vpb::SessionEndReason why,
                              cpb::StreamErrorReason error, absl::Time now) override;
  absl::Status FailStream(std::string_view session_id, cpb::StreamErrorReason error,
                          absl::Time now) override;
  absl::StatusOr<std::vector<std::string>> ExpireGracePeriods(absl::Time now) override;
  absl::Status Heartbeat(absl::Time now) override;
  absl::StatusOr<std::vector<std::string>> ReleaseOrphanedSessions(absl::Time now,
                                                                   bool starting) override;

  // ---- The thumbnailer's side (media/thumbnailer.h) ----

  // The stream has a live thumbnail (GetStream's thumbnail_url from now on, while it is live)
  // and, when `poster_path` is not empty, that poster (kept from the first one recorded; named
  // by StreamEnded). Idempotent. NOT_FOUND/STREAM_NOT_FOUND; INVALID_ARGUMENT/POSTER_PATH_INVALID
  // for a path that is not "<stream id>/<file>".
  absl::Status RecordThumbnail(std::string_view stream_id, std::string_view poster_path,
                               absl::Time now);

 private:
  db::Pool& pool_;
  StoreOptions options_;
};

// The live HLS playlist URL of a stream.
std::string PlaybackUrl(std::string_view base_url, std::string_view stream_id);
// The live thumbnail URL of a stream (the origin serves the stream folder's thumb.jpg).
std::string ThumbnailUrl(std::string_view base_url, std::string_view stream_id);

}  // namespace shopcast::video_ingest::streams
