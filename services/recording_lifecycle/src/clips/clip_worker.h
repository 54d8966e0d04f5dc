#pragma once

// The background worker that cuts clips and makes thumbnails: durable jobs in the clips and
// thumbnails tables, claimed one at a time with a lease (clip_store.h), so a job whose process
// died is taken again by any replica once its lease lapses, and two replicas never work on the
// same job. `concurrency` threads each run one job at a time (the bound on parallel cuts).
//
// A clip job: the recording's segments in the range are read from whatever tier holds them
// (the hot tier's files in place, other tiers through the provider lookup into a scratch folder),
// cut (cutter.h), and the MP4 and its poster stored in the hot tier through Put with their
// SHA-256 (rec_<id>/clips/clp_<id>.mp4|.jpg; the mover later carries them, and thumbnails, to
// wherever their recording ages); then READY with the snapped range, under the
// lease (a finish whose lease was lost changes nothing; one whose clip was deleted meanwhile
// removes what it stored). Failures: final ones (the range, the media's format, the size) are
// FAILED with the reason at once; transient ones (storage, timeouts, the database) go back to
// PENDING for `retry_after`, FAILED after `max_attempts`.
//
// The scan (every `poll_interval`, one thread): an automatic clip around each sale of a SAVED,
// READY recording (when `auto_clips`), the recording's poster (video-ingest's poster frame) as
// its first thumbnail, and a thumbnail job per sale moment (a frame at the moment's keyframe:
// rec_<id>/thumbs/thm_<id>.jpg).

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "clips/clip_range.h"
#include "clips/clip_store.h"
#include "clips/cutter.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "shopcast/recording_lifecycle/v1/recording_lifecycle.pb.h"
#include "storage/storage_provider.h"

namespace shopcast::recording_lifecycle::clips {

struct ClipWorkerOptions {
  // Jobs run at once (threads).
  int concurrency = 2;
  absl::Duration poll_interval = absl::Seconds(2);
  // Longer than a cut can take (CutOptions::timeout) plus fetching its segments.
  absl::Duration lease_ttl = absl::Minutes(5);
  int max_attempts = 5;
  absl::Duration retry_after = absl::Seconds(30);
  // Automatic clips around each sale of a SAVED recording.
  bool auto_clips = true;
  absl::Duration auto_lead_in = absl::Seconds(5);
  absl::Duration auto_lead_out = absl::Seconds(20);
  bool thumbnails = true;
  RangeLimits limits;
  CutOptions cut;
  FrameOptions thumbnail;
  // Each job gets a fresh folder under it (removed afterwards).
  std::filesystem::path scratch_root = std::filesystem::temp_directory_path();
  // Each segment fetch from a non-local tier.
  absl::Duration fetch_timeout = absl::Minutes(2);
  int scan_batch = 100;
  // Tests: the wall clock the leases are measured on; empty = absl::Now.
  std::function<absl::Time()> now;
  // Tests: called before each step ("fetch", "cut", "store", "finish") of a job; true abandons
  // the job there as a crash would (its lease is kept until it lapses).
  std::function<bool(const std::string& job_id, const std::string& step)> crash_before;
};

class ClipWorker {
 public:
  // Everything outlives the worker; `owner` names it in leases (unique per process); `metrics`
  // may be null.
  ClipWorker(ClipStore& store, storage::StorageProvider& hot, ProviderLookup providers,
             ClipWorkerOptions options, std::string owner, prometheus::Registry* metrics);
  ~ClipWorker();
  ClipWorker(const ClipWorker&) = delete;
  ClipWorker& operator=(const ClipWorker&) = delete;

  // Starts the threads (idempotent).
  void Start();
  // Stops taking jobs and joins the threads; a job in work finishes first (bounded by the cut's
  // timeout). Idempotent.
  void Stop();
  // A job may be waiting: the idle threads look now instead of at the next poll.
  void Wake();

  // Tests and tools: one scan, then every due job run on the calling thread until none is left;
  // the number of jobs run.
  int RunOnce();
  // One scan for automatic work (automatic clips, posters, moment thumbnails).
  void Scan();
  // Claims and runs one due clip job; false when there was none.
  bool RunOneClip();
  bool RunOneThumbnail();

 private:
  enum class Outcome { kDone, kRetry, kFailed, kAbandoned, kLost };
  struct JobResult;

  void Loop(int index);
  absl::Time Now() const;
  JobResult CutClipJob(const ClipRow& clip, const std::filesystem::path& scratch);
  JobResult ThumbnailJob(const ThumbnailRow& thumb, const std::filesystem::path& scratch);
  // The local files of `segments` (fetched into `scratch` where the tier is not local).
  absl::StatusOr<std::vector<SourceSegment>> Fetch(const std::vector<SegmentRow>& segments,
                                                   const std::filesystem::path& scratch);
  absl::Status Store(const std::string& key, const std::filesystem::path& file,
                     std::string* sha256);
  bool Crash(const std::string& id, const char* step) const;
  void Record(const char* kind, const std::string& outcome, double seconds);

  ClipStore& store_;
  storage::StorageProvider& hot_;
  const ProviderLookup providers_;
  const ClipWorkerOptions options_;
  const std::string owner_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;

  prometheus::Family<prometheus::Counter>* jobs_ = nullptr;
  prometheus::Family<prometheus::Histogram>* seconds_ = nullptr;
};

// The width and height of a JPEG from its first bytes (the SOF segment); nullopt if none.
std::optional<std::pair<int, int>> JpegSize(const std::string& bytes);

}  // namespace shopcast::recording_lifecycle::clips
