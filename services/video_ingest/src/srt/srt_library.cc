#include "srt/srt_library.h"

#include <srt/srt.h>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::srt {
namespace {

// libsrt's own state is process-wide, so its reference count has to be too.
struct LibraryCount {
  absl::Mutex mu;
  int leases ABSL_GUARDED_BY(mu) = 0;
};

LibraryCount& Count() {
  static LibraryCount* count = new LibraryCount();  // Never destroyed: leases may outlive main.
  return *count;
}

}  // namespace

SrtLibraryLease::~SrtLibraryLease() { Release(); }

absl::Status SrtLibraryLease::Acquire() {
  if (held_) return absl::OkStatus();
  LibraryCount& count = Count();
  absl::MutexLock lock(&count.mu);
  if (count.leases == 0 && srt_startup() < 0) {
    return Error(absl::StatusCode::kInternal, "SRT_STARTUP_FAILED",
                 std::string("srt_startup failed: ") + srt_getlasterror_str());
  }
  ++count.leases;
  held_ = true;
  return absl::OkStatus();
}

void SrtLibraryLease::Release() {
  if (!held_) return;
  held_ = false;
  LibraryCount& count = Count();
  absl::MutexLock lock(&count.mu);
  if (--count.leases == 0) srt_cleanup();
}

}  // namespace shopcast::video_ingest::srt
