#pragma once

// Where recording media lives: one interface over the hot and warm filesystems and the cold
// S3-compatible object store, so the mover and playback never care which tier they talk to.
//
// Every error is an absl::Status with a machine-readable reason (shopcast::ReasonOf):
//   NOT_FOUND          OBJECT_NOT_FOUND     no such object
//   INVALID_ARGUMENT   OBJECT_KEY_INVALID   a key outside the alphabet (object_key.h)
//   DATA_LOSS          CHECKSUM_MISMATCH    the bytes are not the ones the caller vouched for
//   RESOURCE_EXHAUSTED STORAGE_FULL         the disk (or a file-size limit) is full
//   UNAVAILABLE        STORAGE_UNAVAILABLE  network error or a 5xx, after the retries ran out
//   DEADLINE_EXCEEDED  STORAGE_DEADLINE     the call's deadline passed
//   OUT_OF_RANGE       RANGE_NOT_SATISFIABLE  a range past the end of the object
//   PERMISSION_DENIED  STORAGE_ACCESS_DENIED  the store refused the credentials
//   UNIMPLEMENTED      PRESIGN_UNSUPPORTED  the tier cannot hand out URLs (served directly)
//   INTERNAL           STORAGE_IO_ERROR / STORAGE_PROTOCOL_ERROR  anything else
// A failed Put or Get leaves nothing behind: no partial object, no partial local file.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace shopcast::recording_lifecycle::storage {

// Reasons (see above).
inline constexpr char kReasonNotFound[] = "OBJECT_NOT_FOUND";
inline constexpr char kReasonKeyInvalid[] = "OBJECT_KEY_INVALID";
inline constexpr char kReasonChecksumMismatch[] = "CHECKSUM_MISMATCH";
inline constexpr char kReasonFull[] = "STORAGE_FULL";
inline constexpr char kReasonUnavailable[] = "STORAGE_UNAVAILABLE";
inline constexpr char kReasonDeadline[] = "STORAGE_DEADLINE";
inline constexpr char kReasonRange[] = "RANGE_NOT_SATISFIABLE";
inline constexpr char kReasonAccessDenied[] = "STORAGE_ACCESS_DENIED";
inline constexpr char kReasonPresignUnsupported[] = "PRESIGN_UNSUPPORTED";
inline constexpr char kReasonIo[] = "STORAGE_IO_ERROR";
inline constexpr char kReasonProtocol[] = "STORAGE_PROTOCOL_ERROR";
inline constexpr char kReasonInvalidRequest[] = "STORAGE_REQUEST_INVALID";

using Clock = std::chrono::steady_clock;

// Per call: the deadline for the whole call, retries and backoff included (steady clock).
struct CallOptions {
  Clock::time_point deadline = Clock::time_point::max();

  static CallOptions WithTimeout(Clock::duration timeout) {
    return CallOptions{Clock::now() + timeout};
  }
};

struct ObjectInfo {
  std::string key;
  int64_t size = 0;
  // Lower-case hex SHA-256 when the provider recorded it at Put (empty if unknown, e.g. a
  // segment video-ingest wrote straight into the hot tier).
  std::string sha256;
  absl::Time modified = absl::InfinitePast();
};

struct ListPage {
  // In key order.
  std::vector<ObjectInfo> objects;
  // Pass back to List for the next page; empty when this was the last one.
  std::string next_page_token;
};

class StorageProvider {
 public:
  virtual ~StorageProvider() = default;

  // The configured name, e.g. "local-hot", "archive-cold" (metrics, StorageLocation.provider).
  virtual const std::string& name() const = 0;

  // Stores the bytes of local file `source` as `key`, replacing any object of that key
  // atomically. `sha256` (64 hex digits) is what the caller knows the bytes to be: the provider
  // verifies it end to end and fails with DATA_LOSS (and stores nothing) on a mismatch.
  virtual absl::Status Put(absl::string_view key, const std::filesystem::path& source,
                           absl::string_view sha256, const CallOptions& options = {}) = 0;

  // Writes the object to local file `destination` (replaced atomically; nothing left there on
  // failure). Verified against the recorded SHA-256 when the provider has one.
  virtual absl::Status GetToFile(absl::string_view key, const std::filesystem::path& destination,
                                 const CallOptions& options = {}) = 0;

  // `length` bytes from `offset` (fewer at the end of the object). OUT_OF_RANGE if `offset` is
  // at or past the end of a non-empty object.
  virtual absl::StatusOr<std::string> GetRange(absl::string_view key, int64_t offset,
                                               int64_t length, const CallOptions& options = {}) = 0;

  virtual absl::StatusOr<ObjectInfo> Stat(absl::string_view key,
                                          const CallOptions& options = {}) = 0;

  // Removes the object; OK when it does not exist (idempotent).
  virtual absl::Status Delete(absl::string_view key, const CallOptions& options = {}) = 0;

  // Objects whose key starts with `prefix` (object_key.h's ValidateKeyPrefix), at most
  // `max_keys` (1..1000) per page, in key order.
  virtual absl::StatusOr<ListPage> List(absl::string_view prefix, absl::string_view page_token,
                                        int max_keys, const CallOptions& options = {}) = 0;

  // A URL any plain HTTP client can GET the object from until `ttl` passes, or UNIMPLEMENTED/
  // PRESIGN_UNSUPPORTED where the tier is served directly.
  virtual absl::StatusOr<std::string> PresignGet(absl::string_view key, absl::Duration ttl) = 0;
};

// Every object under `prefix`, following pages (for deletes and audits).
absl::StatusOr<std::vector<ObjectInfo>> ListAll(StorageProvider& provider, absl::string_view prefix,
                                                const CallOptions& options = {});

}  // namespace shopcast::recording_lifecycle::storage
