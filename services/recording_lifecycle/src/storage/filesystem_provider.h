#pragma once

// A tier on a local filesystem: the hot tier (the folder video-ingest writes
// "<stream_id>/000041.ts" into) and the warm tier (another path, usually another volume).
// Object key = path relative to the root.
//
// Put copies into a temporary name beside the object (".<name>.tmp-<random>", invisible to
// List, since keys never start a segment with '.'), hashing as it copies, fsyncs the file,
// renames it over the key and fsyncs the folder: after a crash the object is either the old one
// or the whole new one. A wrong SHA-256, a full disk (ENOSPC, EDQUOT, or EFBIG from a file-size
// limit) or any other error removes the temporary file: no partial object is ever visible.
// The SHA-256 is kept in the extended attribute "user.shopcast.sha256" where the filesystem
// supports it (Stat reports it, GetToFile verifies against it); objects written by others have
// none.
//
// Blocking calls; the deadline is not enforced on local I/O (a local disk either answers or the
// host is broken). PresignGet is UNIMPLEMENTED: hot and warm are served directly.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "storage/storage_metrics.h"
#include "storage/storage_provider.h"

namespace shopcast::recording_lifecycle::storage {

inline constexpr char kSha256Xattr[] = "user.shopcast.sha256";

class FilesystemProvider final : public StorageProvider {
 public:
  // `root` must exist and be a folder. `metrics` may be null; it must outlive the provider.
  static absl::StatusOr<std::unique_ptr<FilesystemProvider>> Open(
      std::string name, const std::filesystem::path& root, StorageMetrics* metrics = nullptr);

  const std::string& name() const override { return name_; }
  const std::filesystem::path& root() const { return root_; }

  absl::Status Put(absl::string_view key, const std::filesystem::path& source,
                   absl::string_view sha256, const CallOptions& options = {}) override;
  absl::Status GetToFile(absl::string_view key, const std::filesystem::path& destination,
                         const CallOptions& options = {}) override;
  absl::StatusOr<std::string> GetRange(absl::string_view key, int64_t offset, int64_t length,
                                       const CallOptions& options = {}) override;
  absl::StatusOr<ObjectInfo> Stat(absl::string_view key, const CallOptions& options = {}) override;
  absl::Status Delete(absl::string_view key, const CallOptions& options = {}) override;
  absl::StatusOr<ListPage> List(absl::string_view prefix, absl::string_view page_token,
                                int max_keys, const CallOptions& options = {}) override;
  absl::StatusOr<std::string> PresignGet(absl::string_view key, absl::Duration ttl) override;

  // The local path of `key` (validated), for serving hot/warm objects directly.
  absl::StatusOr<std::filesystem::path> PathOf(absl::string_view key) const;

 private:
  FilesystemProvider(std::string name, std::filesystem::path root, StorageMetrics* metrics);
  absl::Status Record(absl::string_view op, absl::Status status);

  std::string name_;
  std::filesystem::path root_;
  StorageMetrics* metrics_;
};

// Copies `source` to `destination` through a temporary file beside it, fsynced and renamed into
// place (the folder fsynced too), hashing the bytes: returns their lower-case hex SHA-256. On
// any error the temporary file is removed and `destination` is untouched.
// `expected_sha256` (empty: not checked) mismatching fails with DATA_LOSS/CHECKSUM_MISMATCH,
// before anything is renamed into place. `sha256_xattr`: also record the SHA-256 as the
// kSha256Xattr attribute (best effort: a filesystem without user xattrs just has none).
struct CopyResult {
  std::string sha256;
  int64_t bytes = 0;
};
absl::StatusOr<CopyResult> CopyFileAtomically(const std::filesystem::path& source,
                                              const std::filesystem::path& destination,
                                              absl::string_view expected_sha256,
                                              bool sha256_xattr = false);

}  // namespace shopcast::recording_lifecycle::storage
