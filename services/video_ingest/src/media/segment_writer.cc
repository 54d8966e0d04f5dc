#include "media/segment_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "media/playlist_progress.h"
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
  if (part_fd_ >= 0) {
    ::close(part_fd_);
    ::unlink(part_tmp_.c_str());  // Never listed: nobody may read half a part.
  }
}

absl::Status SegmentWriter::Fail(absl::string_view what) { return Fail(what, location_); }

absl::Status SegmentWriter::Fail(absl::string_view what, const std::filesystem::path& path) {
  failed_ = true;
  return Error(absl::StatusCode::kDataLoss, "STORAGE_FAILURE",
               absl::StrCat("cannot ", what, " ", path.string(), ": ", std::strerror(errno)));
}

absl::Status SegmentWriter::Write(std::span<const uint8_t> bytes) {
  if (failed_ || bytes.empty()) return absl::OkStatus();
  // The stream's PAT and PMT, for a file that must start with them (made only then).
  std::string tables;
  auto write_tables = [&](int fd) {
    if (tables.empty()) tables = tables_.Packets();
    return WriteAll(fd, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(tables.data()),
                                                 tables.size()));
  };
  bool segment_prefixed = false;
  if (fd_ < 0) {
    location_ = dir_ / absl::StrFormat("%06d.ts", next_sequence_);
    fd_ = ::open(location_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) return Fail("create");
    start_ns_ = next_start_ns_;
    digest_.Finish();  // Starts afresh (a segment after a failed one never gets here).
    if (prefix_tables_) {
      if (!write_tables(fd_)) return Fail("write");
      digest_.Update(
          std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(tables.data()), tables.size()));
      segment_prefixed = true;
    }
    // A segment starts with its first part.
    part_index_ = 0;
    part_start_ns_ = start_ns_;
    next_part_start_ns_.reset();
    next_part_independent_ = true;
    part_prefix_tables_ = false;
  }
  if (parts_ && part_fd_ < 0 && part_data_ == nullptr) {
    part_location_ = dir_ / PartFileName(next_sequence_, part_index_);
    const bool prefix = segment_prefixed || part_prefix_tables_;
    if (parts_in_memory_) {
      // No file: the bytes go to the playlist when the part closes (the origin serves them).
      part_data_ = std::make_shared<PartData>();
      part_data_->bytes.reserve(last_part_bytes_ + last_part_bytes_ / 4);
      if (prefix) {
        if (tables.empty()) tables = tables_.Packets();
        part_data_->bytes.append(tables);
      }
    } else {
      part_tmp_ = part_location_;
      part_tmp_ += ".tmp";
      part_fd_ = ::open(part_tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (part_fd_ < 0) return Fail("create", part_tmp_);
      if (prefix && !write_tables(part_fd_)) return Fail("write", part_tmp_);
    }
    if (next_part_start_ns_) part_start_ns_ = next_part_start_ns_;
    part_independent_ = next_part_independent_;
  }
  tables_.Observe(bytes);
  if (!WriteAll(fd_, bytes)) return Fail("write");
  digest_.Update(bytes);
  if (part_data_ != nullptr) {
    part_data_->bytes.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  } else if (part_fd_ >= 0 && !WriteAll(part_fd_, bytes)) {
    return Fail("write", part_tmp_);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<SegmentWriter::ClosedPart>> SegmentWriter::CutPart(
    int64_t at_ns, int64_t first_start_ns, bool independent, bool prefix_tables) {
  if (!parts_) return std::nullopt;
  auto closed = ClosePart(at_ns, first_start_ns);
  next_part_start_ns_ = at_ns;
  next_part_independent_ = independent;
  part_prefix_tables_ = prefix_tables;
  return closed;
}

absl::StatusOr<std::optional<SegmentWriter::ClosedPart>> SegmentWriter::ClosePart(
    int64_t end_ns, int64_t first_start_ns) {
  if ((part_fd_ < 0 && part_data_ == nullptr) || failed_) return std::nullopt;
  ClosedPart part;
  if (part_data_ != nullptr) {
    part_data_->made = absl::Now();
    last_part_bytes_ = part_data_->bytes.size();
    // Held for seconds per part and stream: not with the slack reserved for writing it.
    part_data_->bytes.shrink_to_fit();
    part.data = std::move(part_data_);
    part_data_.reset();
  } else {
    const int fd = part_fd_;
    part_fd_ = -1;
    if (::close(fd) != 0) return Fail("close", part_tmp_);
    if (::rename(part_tmp_.c_str(), part_location_.c_str()) != 0) {
      return Fail("rename", part_location_);
    }
  }
  part.sequence = next_sequence_;
  part.index = part_index_++;
  part.location = part_location_;
  part.start_ns = part_start_ns_.value_or(start_ns_.value_or(first_start_ns));
  part.end_ns = std::max(end_ns, part.start_ns);
  part.independent = part_independent_;
  return part;
}
absl::StatusOr<std::optional<SegmentWriter::Closed>> SegmentWriter::Cut(int64_t at_ns,
                                                                        int64_t first_start_ns,
                                                                        bool prefix_tables) {
  auto closed = Close(at_ns, first_start_ns);
  next_start_ns_ = at_ns;
  prefix_tables_ = prefix_tables;
  return closed;
}

absl::StatusOr<std::optional<SegmentWriter::Closed>> SegmentWriter::Finish(int64_t end_ns,
                                                                           int64_t first_start_ns) {
  return Close(end_ns, first_start_ns);
}

absl::StatusOr<std::optional<SegmentWriter::Closed>> SegmentWriter::Close(int64_t end_ns,
                                                                          int64_t first_start_ns) {
  if (fd_ < 0 || failed_) return std::nullopt;
  absl::StatusOr<std::optional<ClosedPart>> last_part = ClosePart(end_ns, first_start_ns);
  if (!last_part.ok()) return last_part.status();
  const int fd = fd_;
  fd_ = -1;
  // Durable before it is reported (SegmentClosed: the recording keeps it).
  if (absl::Status s = SyncFileAndDirectory(fd, location_); !s.ok()) {
    ::close(fd);
    failed_ = true;
    return s;
  }
  if (::close(fd) != 0) return Fail("close");
  Closed closed;
  closed.sequence = next_sequence_++;
  closed.location = location_;
  // The first segment starts with the reference track's first buffer, later ones at a cut.
  closed.start_ns = start_ns_.value_or(first_start_ns);
  closed.end_ns = std::max(end_ns, closed.start_ns);
  closed.digest = digest_.Finish();
  closed.last_part = *last_part;
  return closed;
}

}  // namespace shopcast::video_ingest::media
