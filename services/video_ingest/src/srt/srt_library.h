#pragma once

// srt_startup()/srt_cleanup() are process-wide; this lease reference-counts them so several
// listeners (and tests) in one process can start and stop independently.

#include "absl/status/status.h"

namespace shopcast::video_ingest::srt {

class SrtLibraryLease {
 public:
  SrtLibraryLease() = default;
  ~SrtLibraryLease();  // Release()s.
  SrtLibraryLease(const SrtLibraryLease&) = delete;
  SrtLibraryLease& operator=(const SrtLibraryLease&) = delete;

  // Starts libsrt if no other lease holds it; idempotent per lease.
  absl::Status Acquire();
  // Drops this lease; libsrt is cleaned up with the last one. Idempotent.
  void Release();

 private:
  bool held_ = false;
};

}  // namespace shopcast::video_ingest::srt
