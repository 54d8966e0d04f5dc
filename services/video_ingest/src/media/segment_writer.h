#pragma once

// Cuts a session's one muxed MPEG transport stream into segment files: bytes go to the open
// file (the next one is opened by the first bytes after a cut); a cut or the end of the stream
// closes it, flushes it to stable storage and reports it with its size and SHA-256. Segments
// that start between two AAC frames (audio-only cuts) get the stream's PAT and PMT first, since
// the muxer repeats them only before keyframes. No GStreamer: unit-tested with plain bytes.
// Not thread-safe: the muxer's streaming thread is its only caller.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "media/file_io.h"
#include "media/ts_tables.h"

namespace shopcast::video_ingest::media {

class SegmentWriter {
 public:
  struct Closed {
    int64_t sequence = 0;
    std::filesystem::path location;
    int64_t start_ns = 0;  // Media times of the segment's first and past-the-end instants.
    int64_t end_ns = 0;
    FileDigest digest;
  };

  // Segment files are `dir`/NNNNNN.ts, numbered from `first_sequence`.
  SegmentWriter(std::filesystem::path dir, int64_t first_sequence)
      : dir_(std::move(dir)), next_sequence_(first_sequence) {}
  ~SegmentWriter();
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;

  // Appends muxed bytes. DATA_LOSS/STORAGE_FAILURE when a file cannot be created or written;
  // after a failure everything is ignored.
  absl::Status Write(std::span<const uint8_t> bytes);

  // Closes the open segment at media time `at_ns`; the next one starts there, with the PAT and
  // PMT first when `prefix_tables`. `first_start_ns` is where the session's first segment
  // started. The closed segment, or nullopt if none was open.
  absl::StatusOr<std::optional<Closed>> Cut(int64_t at_ns, int64_t first_start_ns,
                                            bool prefix_tables);
  // Closes the last segment at the end of the stream (media time `end_ns`).
  absl::StatusOr<std::optional<Closed>> Finish(int64_t end_ns, int64_t first_start_ns);

  bool failed() const { return failed_; }

 private:
  absl::StatusOr<std::optional<Closed>> Close(int64_t end_ns, int64_t first_start_ns);
  absl::Status Fail(absl::string_view what);

  const std::filesystem::path dir_;
  int fd_ = -1;
  int64_t next_sequence_;
  std::filesystem::path location_;
  std::optional<int64_t> next_start_ns_;  // Set by a cut.
  std::optional<int64_t> start_ns_;       // Of the open segment.
  bool prefix_tables_ = false;
  bool failed_ = false;
  TsTables tables_;
};

}  // namespace shopcast::video_ingest::media
