#pragma once

// Durable file operations for segments and playlists. Errors carry the reason STORAGE_FAILURE
// with code DATA_LOSS (see packager.h).

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace shopcast::video_ingest::media {

struct FileDigest {
  int64_t size_bytes = 0;
  std::string sha256;  // 64 lower-case hex characters.
};

// Flushes `path` (and its directory entry) to stable storage, then returns its size and SHA-256.
absl::StatusOr<FileDigest> SyncAndDigest(const std::filesystem::path& path);

// The size and SHA-256 of bytes as they are written (a segment's digest without reading the
// file back: the same FileDigest SyncAndDigest gives for a file of exactly these bytes).
class StreamingDigest {
 public:
  StreamingDigest();
  ~StreamingDigest();
  StreamingDigest(const StreamingDigest&) = delete;
  StreamingDigest& operator=(const StreamingDigest&) = delete;
  void Update(std::span<const uint8_t> bytes);
  // The digest of everything given since construction or the last Finish; starts afresh.
  FileDigest Finish();

 private:
  void* ctx_;  // EVP_MD_CTX.
  int64_t size_ = 0;
};

// Flushes the open file `fd` (at `path`) and its directory entry to stable storage.
absl::Status SyncFileAndDirectory(int fd, const std::filesystem::path& path);

// Replaces `path` with `content` so readers see the old or the new file, never a mix: writes a
// temporary file beside it, fsyncs it, renames it over `path` and fsyncs the directory. Without
// `durable` the fsyncs are skipped and the new file is swapped in (RENAME_EXCHANGE; the old one
// stays at "<path>.tmp" as the next write's spare, see the .cc for why): readers still never
// see a mix, but a crash may lose it. A durable write takes the spare up again.
absl::Status WriteFileAtomically(const std::filesystem::path& path, std::string_view content,
                                 bool durable = true);

}  // namespace shopcast::video_ingest::media
