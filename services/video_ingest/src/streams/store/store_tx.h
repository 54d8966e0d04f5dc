#pragma once

// The building blocks the stream store's operations share, all inside one open transaction:
// row parsing, locking, writing state back, ending streams and sessions, and events.

#include <google/protobuf/message.h>

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "shopcast/events/outbox.h"
#include "streams/store/stream_store.h"
#include "streams/stream.h"

namespace shopcast::video_ingest::streams::internal {

inline std::string S(std::string_view v) { return std::string(v); }
// Debian's Abseil keeps its own string_view: convert where the two meet.
inline absl::string_view A(std::string_view v) { return absl::string_view(v.data(), v.size()); }

// A nullable text parameter: libpqxx 6 sends a null `const char*` as SQL NULL.
class Nullable {
 public:
  Nullable() = default;
  explicit Nullable(std::string v) : v_(std::move(v)) {}
  const char* get() const { return v_ ? v_->c_str() : nullptr; }

 private:
  std::optional<std::string> v_;
};

// Microseconds since the epoch, as every time column is written.
Nullable Micros(const std::optional<absl::Time>& t);

StreamRow ParseStream(const pqxx::row& r);
SessionRow ParseSession(const pqxx::row& r);
SegmentRow ParseSegment(const pqxx::row& r);

// The event "video_ingest.<type>" about `stream_id` for every destination (Emit writes it; a
// single statement may write it itself, events::PrepareEvent). Destinations may be empty.
events::OutgoingEvent StreamEvent(const StoreOptions& options, std::string_view type,
                                  std::string_view stream_id,
                                  const google::protobuf::Message& payload);

absl::Status StreamNotFound();
absl::Status NotOwner();
absl::Status StreamEnded();

class StoreTx {
 public:
  StoreTx(pqxx::work& tx, const StoreOptions& options) : tx_(tx), options_(options) {}

  std::optional<StreamRow> Lock(std::string_view stream_id);
  std::optional<StreamRow> LockByKeyHash(std::string_view key_hash);
  // `row` with its latest session attached.
  StreamRow WithSession(StreamRow row);
  // Writes back the status fields of a locked row (updated_at = now).
  void SaveState(const StreamRow& row, absl::Time now, const char* force_end_note = nullptr);

  // Closes the session if still open; false when it already was.
  bool EndSession(std::string_view session_id, vpb::SessionEndReason why,
                  cpb::StreamErrorReason error, absl::Time now);
  // The released-session transition of a locked stream (see StreamStore::ReleaseSession).
  void Release(StreamRow& row, std::string_view session_id, vpb::SessionEndReason why,
               cpb::StreamErrorReason error, absl::Time now);
  // Moves a locked, non-terminal stream to `status` (ENDED/ERROR), closes its open session as
  // `session_why`, saves it, and announces StreamEnded with the segment totals.
  void End(StreamRow& row, cpb::StreamStatus status, vpb::StreamEndReason end_reason,
           cpb::StreamErrorReason error, vpb::RecordingChoice choice,
           vpb::SessionEndReason session_why, absl::Time now, const char* force_end_note = nullptr);

  // Writes `payload` as event "video_ingest.<type>" about `stream_id` to every destination.
  void Emit(std::string_view type, std::string_view stream_id,
            const google::protobuf::Message& payload);

  pqxx::work& tx() { return tx_; }

 private:
  pqxx::work& tx_;
  const StoreOptions& options_;
};

}  // namespace shopcast::video_ingest::streams::internal
