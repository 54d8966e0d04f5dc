#pragma once

// The stream domain behind the gRPC API: validation, who may do what, stream keys, and the
// order of effects (the encoder is stopped before its stream ends). Plain types in and out;
// knows nothing of gRPC.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "access/playback_token.h"
#include "shopcast/auth/caller.h"
#include "shopcast/pagetoken/codec.h"
#include "streams/live_control.h"
#include "streams/store/pass_store.h"
#include "streams/store/stream_store.h"
#include "streams/stream.h"

namespace shopcast::video_ingest::streams {

struct StreamsOptions {
  std::string rtmp_public_url = "rtmp://localhost:1935/live";
  std::string srt_public_url = "srt://localhost:9000";
  // SRT receiver latency advertised in srt_url, in microseconds (libsrt's unit in URLs).
  int64_t srt_latency_us = 200000;
  // Seals list page tokens; serve loads its key from a file so every replica agrees.
  pagetoken::Codec page_tokens = pagetoken::Codec::WithRandomKey();
  // Signs playback tokens of gated streams; serve loads its key from a file, shared by every
  // replica (and its origin, which verifies them).
  std::shared_ptr<const access::PlaybackTokenCodec> playback_tokens =
      std::make_shared<access::PlaybackTokenCodec>(access::PlaybackTokenCodec::WithRandomKey());
  absl::Duration playback_token_ttl = absl::Minutes(5);
};

// GetPlaybackToken's answer. An ungated stream needs no token: token empty, no expiry.
struct PlaybackGrant {
  bool gated = false;
  std::string token;
  std::optional<absl::Time> expires_at;
  std::string playback_url;
};

// Ingest URLs with the key in them: shown once.
struct Endpoints {
  std::string stream_key;
  std::string rtmp_server_url;
  std::string rtmp_url;
  std::string srt_url;
};

struct CreateInput {
  std::string title;
  std::string description;
  std::vector<std::string> tags;
  std::optional<absl::Time> scheduled_start_at;
  std::string idempotency_key;
  bool gated = false;
  std::optional<AccessPrice> access_price;
};

template <typename Page>
struct Listed {
  Page page;
  std::string next_page_token;  // "" on the last page
};

class Streams {
 public:
  // `passes` answers whether a viewer holds an access pass (GetPlaybackToken).
  Streams(StreamStore& store, PassStore& passes, LiveControl& live, StreamsOptions options,
          std::function<absl::Time()> clock = absl::Now);

  // Role host; a PREPARING stream and its key (shown once).
  absl::StatusOr<std::pair<StreamRow, Endpoints>> Create(const auth::Caller& caller,
                                                         const CreateInput& in);
  // Host-owner; the new key. With `disconnect`, the connected encoder is cut afterwards.
  absl::StatusOr<std::pair<StreamRow, Endpoints>> RotateKey(const auth::Caller& caller,
                                                            absl::string_view stream_id,
                                                            bool disconnect);
  absl::StatusOr<StreamRow> Get(absl::string_view stream_id);
  // Host-owner; `update` values are validated here (fields named "stream.<field>").
  absl::StatusOr<StreamRow> Update(const auth::Caller& caller, absl::string_view stream_id,
                                   StreamUpdate update);
  absl::StatusOr<Listed<StreamPage>> ListLive(absl::string_view tag, absl::string_view host_id,
                                              int page_size, absl::string_view page_token);
  absl::StatusOr<Listed<StreamPage>> ListUpcoming(absl::string_view tag, absl::string_view host_id,
                                                  int page_size, absl::string_view page_token);
  // Role host: the caller's own streams.
  absl::StatusOr<Listed<StreamPage>> ListMine(const auth::Caller& caller,
                                              std::vector<cpb::StreamStatus> statuses,
                                              int page_size, absl::string_view page_token);
  // Host-owner; stops the encoder (LiveControl) first, then ends the stream. Idempotent.
  absl::StatusOr<StreamRow> End(const auth::Caller& caller, absl::string_view stream_id,
                                vpb::RecordingChoice choice);
  // Role admin; like End, as ERROR/POLICY_VIOLATION.
  absl::StatusOr<StreamRow> ForceEnd(const auth::Caller& caller, absl::string_view stream_id,
                                     absl::string_view reason);
  // A playback token for the stream: for a gated one only to its host, an admin or a viewer
  // holding an active pass (PERMISSION_DENIED/ACCESS_PASS_REQUIRED otherwise).
  absl::StatusOr<PlaybackGrant> PlaybackToken(const auth::Caller& caller,
                                              absl::string_view stream_id);
  // 1..100 valid ids; unknown ones are omitted.
  absl::StatusOr<std::vector<StreamRow>> Lookup(const std::vector<std::string>& stream_ids);
  absl::StatusOr<Listed<SegmentPage>> ListSegments(absl::string_view stream_id,
                                                   int64_t from_sequence, int page_size,
                                                   absl::string_view page_token);

  const StoreOptions& store_options() const { return store_.options(); }
  const StreamsOptions& options() const { return options_; }

 private:
  Endpoints NewEndpoints() const;

  StreamStore& store_;
  PassStore& passes_;
  LiveControl& live_;
  StreamsOptions options_;
  std::function<absl::Time()> clock_;
};

// PERMISSION_DENIED/NOT_A_HOST unless the caller is a host (or an admin).
absl::Status RequireHost(const auth::Caller& caller);

}  // namespace shopcast::video_ingest::streams
