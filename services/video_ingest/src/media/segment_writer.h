#pragma once

// Cuts a session's one muxed MPEG transport stream into segment files: bytes go to the open
// file (the next one is opened by the first bytes after a cut); a cut or the end of the stream
// closes it, flushes it to stable storage and reports it with its size and SHA-256 (computed
// as the bytes are written, not read back). Segments
// that start between two AAC frames (audio-only cuts) get the stream's PAT and PMT first, since
// the muxer repeats them only before keyframes. With Low-Latency HLS every byte also goes to the
// open partial segment file (PartFileName: "000042_3.ts"), so a segment's parts hold exactly
// its bytes (an independent part cut between frames gets the PAT and PMT first too); a part is
// written under a temporary name and renamed when it closes, so nobody reads half a part. No
// GStreamer: unit-tested with plain bytes.
// Not thread-safe: the muxer's streaming thread is its only caller.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "media/file_io.h"
#include "media/playlist_progress.h"
#include "media/ts_tables.h"

namespace shopcast::video_ingest::media {

class SegmentWriter {
 public:
  struct ClosedPart {
    int64_t sequence = 0;  // Of its segment.
    int index = 0;
    std::filesystem::path location;
    int64_t start_ns = 0;
    int64_t end_ns = 0;
    bool independent = false;
    // Parts in memory: the part's bytes (no file was written); null for a part file.
    std::shared_ptr<const PartData> data = nullptr;
  };
  struct Closed {
    int64_t sequence = 0;
    std::filesystem::path location;
    int64_t start_ns = 0;  // Media times of the segment's first and past-the-end instants.
    int64_t end_ns = 0;
    FileDigest digest;
    std::optional<ClosedPart> last_part;  // With parts: the segment's last part, closed with it.
  };

  // Segment files are `dir`/NNNNNN.ts, numbered from `first_sequence`; with `parts`, partial
  // segments are written beside them, or with `parts_in_memory` kept in memory only
  // (ClosedPart::data; the live playlist holds them for the origin).
  SegmentWriter(std::filesystem::path dir, int64_t first_sequence, bool parts = false,
                bool parts_in_memory = false)
      : dir_(std::move(dir)),
        parts_(parts),
        parts_in_memory_(parts && parts_in_memory),
        next_sequence_(first_sequence) {}
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

  // With parts: closes the open part at media time `at_ns` (the segment goes on); the next part
  // starts there, `independent` (starting at a keyframe or an audio frame), with the PAT and PMT
  // first when `prefix_tables`. The closed part, or nullopt if none was open.
  absl::StatusOr<std::optional<ClosedPart>> CutPart(int64_t at_ns, int64_t first_start_ns,
                                                    bool independent, bool prefix_tables);

  bool failed() const { return failed_; }

 private:
  absl::StatusOr<std::optional<Closed>> Close(int64_t end_ns, int64_t first_start_ns);
  absl::StatusOr<std::optional<ClosedPart>> ClosePart(int64_t end_ns, int64_t first_start_ns);
  absl::Status Fail(absl::string_view what);
  absl::Status Fail(absl::string_view what, const std::filesystem::path& path);

  const std::filesystem::path dir_;
  const bool parts_;
  const bool parts_in_memory_;
  int fd_ = -1;
  // The open part in memory (parts_in_memory_), and how large the last one was (to reserve).
  std::shared_ptr<PartData> part_data_;
  size_t last_part_bytes_ = 0;
  // The open part (with parts): its file descriptor, temporary and final names, start.
  int part_fd_ = -1;
  std::filesystem::path part_tmp_;
  std::filesystem::path part_location_;
  int part_index_ = 0;  // Of the open (or next) part within the open segment.
  std::optional<int64_t> part_start_ns_;
  std::optional<int64_t> next_part_start_ns_;  // Set by a part cut.
  bool part_independent_ = true;
  bool next_part_independent_ = true;
  bool part_prefix_tables_ = false;
  int64_t next_sequence_;
  std::filesystem::path location_;
  std::optional<int64_t> next_start_ns_;  // Set by a cut.
  std::optional<int64_t> start_ns_;       // Of the open segment.
  bool prefix_tables_ = false;
  bool failed_ = false;
  TsTables tables_;
  StreamingDigest digest_;  // Of the open segment file's bytes.
};

}  // namespace shopcast::video_ingest::media
