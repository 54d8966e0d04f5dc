#include "media/segment_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::media {
namespace {

// Writes all of `bytes` to `fd`; false with errno set on failure.
bool WriteAll(int fd, std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes = bytes.subspan(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

SegmentWriter::~SegmentWriter() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status SegmentWriter::Fail(absl::string_view what) {
  failed_ = true;
  return Error(absl::StatusCode::kDataLoss, "STORAGE_FAILURE",
               absl::StrCat("cannot ", what, " ", location_.string(), ": ",
                            std::strerror(errno)));
}

absl::Status SegmentWriter::Write(std::span<const uint8_t> bytes) {
  if (failed_ || bytes.empty()) return absl::OkStatus();
  if (fd_ < 0) {
    location_ = dir_ / absl::StrFormat("%06d.ts", next_sequence_);
    fd_ = ::open(location_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) return Fail("create");
    start_ns_ = next_start_ns_;
    if (prefix_tables_) {
      const std::string tables = tables_.Packets();
      if (!WriteAll(fd_, std::span<const uint8_t>(
                             reinterpret_cast<const uint8_t*>(tables.data()), tables.size()))) {
        return Fail("write");
      }
    }
  }
  tables_.Observe(bytes);
  if (!WriteAll(fd_, bytes)) return Fail("write");
  return absl::OkStatus();
}

absl::StatusOr<std::optional<SegmentWriter::Closed>> SegmentWriter::Cut(int64_t at_ns,
                                                                        int64_t first_start_ns,
                                                                        bool prefix_tables) {
  auto closed = Close(at_ns, first_start_ns);
  next_start_ns_ = at_ns;
  prefix_tables_ = prefix_tables;
  return closed;
}

absl::StatusOr<std::optional<SegmentWriter::Closed>> SegmentWriter::Finish(
    int64_t end_ns, int64_t first_start_ns) {
  return Close(end_ns, first_start_ns);
}

absl::StatusOr<std::optional<SegmentWriter::Closed>> SegmentWriter::Close(
    int64_t end_ns, int64_t first_start_ns) {
  if (fd_ < 0 || failed_) return std::nullopt;
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return Fail("close");
  Closed closed;
  closed.sequence = next_sequence_++;
  closed.location = location_;
  // The first segment starts with the reference track's first buffer, later ones at a cut.
  closed.start_ns = start_ns_.value_or(first_start_ns);
  closed.end_ns = std::max(end_ns, closed.start_ns);
  absl::StatusOr<FileDigest> digest = SyncAndDigest(location_);
  if (!digest.ok()) {
    failed_ = true;
    return digest.status();
  }
  closed.digest = *digest;
  return closed;
}

}  // namespace shopcast::video_ingest::media
