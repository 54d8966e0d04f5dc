#include "storage/fs_errors.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "shopcast/status/status.h"
#include "storage/storage_provider.h"

namespace shopcast::recording_lifecycle::storage {

absl::Status ErrnoStatus(int err, absl::string_view what, absl::string_view name) {
  std::string message = absl::StrCat(what, " ", name, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
      return Error(absl::StatusCode::kNotFound, kReasonNotFound, message);
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
      return Error(absl::StatusCode::kResourceExhausted, kReasonFull, message);
    case EACCES:
    case EPERM:
    case EROFS:
      return Error(absl::StatusCode::kPermissionDenied, kReasonAccessDenied, message);
    default:
      return Error(absl::StatusCode::kInternal, kReasonIo, message);
  }
}

absl::Status FsyncDir(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "open folder", dir.filename().string());
  // Some filesystems cannot fsync a folder (EINVAL): nothing more to do there.
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0 && err != EINVAL) return ErrnoStatus(err, "fsync folder", dir.filename().string());
  return absl::OkStatus();
}

}  // namespace shopcast::recording_lifecycle::storage
