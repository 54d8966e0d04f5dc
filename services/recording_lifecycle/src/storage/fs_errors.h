#pragma once

// errno -> Status with a reason, for the local-disk paths of every provider.

#include <filesystem>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace shopcast::recording_lifecycle::storage {

// ENOENT -> NOT_FOUND/OBJECT_NOT_FOUND; ENOSPC, EDQUOT, EFBIG -> RESOURCE_EXHAUSTED/
// STORAGE_FULL; EACCES/EPERM/EROFS -> PERMISSION_DENIED/STORAGE_ACCESS_DENIED; anything
// else INTERNAL/STORAGE_IO_ERROR. `what` names the operation, `name` the file (never a secret).
absl::Status ErrnoStatus(int err, absl::string_view what, absl::string_view name);

// fsync of a folder, so a rename or unlink in it survives a crash.
absl::Status FsyncDir(const std::filesystem::path& dir);

}  // namespace shopcast::recording_lifecycle::storage
