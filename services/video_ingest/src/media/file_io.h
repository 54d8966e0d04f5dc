#pragma once

// Durable file operations for segments and playlists. Errors carry the reason STORAGE_FAILURE
// with code DATA_LOSS (see packager.h).

#include <cstdint>
#include <filesystem>
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

// Replaces `path` with `content` so readers see the old or the new file, never a mix: writes a
// temporary file beside it, fsyncs it, renames it over `path` and fsyncs the directory. Without
// `durable` the fsyncs are skipped: readers still never see a mix, but a crash may lose it.
absl::Status WriteFileAtomically(const std::filesystem::path& path, std::string_view content,
                                 bool durable = true);

}  // namespace shopcast::video_ingest::media
