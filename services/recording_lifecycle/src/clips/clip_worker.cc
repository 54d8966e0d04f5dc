#include "clips/clip_worker.h"

#include <chrono>
#include <fstream>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clips/clips.h"
#include "shopcast/ids/ids.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"
#include "storage/digest.h"
#include "storage/filesystem_provider.h"

namespace shopcast::recording_lifecycle::clips {
namespace fs = std::filesystem;

namespace {

// Reasons that no retry changes.
bool IsFinal(const absl::Status& s) {
  const std::string r = ReasonOf(s);
  return r == "CLIP_RANGE_INVALID" || r == "CLIP_FORMAT_CHANGED" || r == "SOURCE_CORRUPT" ||
         r == "SOURCE_UNSUPPORTED" || r == "CLIP_TOO_LARGE" || r == "RECORDING_DELETED" ||
         r == "RECORDING_EXPIRED" || r == "RECORDING_NOT_FOUND" || r == "FRAME_DECODE_FAILED" ||
         r == "CUTTER_ELEMENT_MISSING";
}

std::string ReasonText(const absl::Status& s) {
  const std::string r = ReasonOf(s);
  return r.empty() ? std::string(absl::StatusCodeToString(s.code())) : r;
}

// A scratch folder removed with everything in it when done.
class Scratch {
 public:
  explicit Scratch(const fs::path& root) {
    path_ = root / absl::StrCat("shopcast-clip-", ids::NewUniqueId("job"));
    fs::create_directories(path_, error_);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  bool ok() const { return !error_; }

 private:
  fs::path path_;
  std::error_code error_;
};

absl::Status Gone(absl::string_view reason, absl::string_view message) {
  return Error(absl::StatusCode::kFailedPrecondition, reason, message);
}

// Recording states in which its media can no longer be cut.
absl::Status CheckRecording(const std::optional<RecordingRow>& rec) {
  if (!rec) return Gone("RECORDING_NOT_FOUND", "the recording is gone");
  if (rec->decision == kDecisionDelete || rec->status == kRecordingDeleting ||
      rec->status == kRecordingDeleted) {
    return Gone("RECORDING_DELETED", "the recording was deleted");
  }
  if (rec->tier == kTierExpired) return Gone("RECORDING_EXPIRED", "the recording expired");
  return absl::OkStatus();
}

}  // namespace

struct ClipWorker::JobResult {
  Outcome outcome = Outcome::kDone;
  absl::Status status;
};

std::optional<std::pair<int, int>> JpegSize(const std::string& b) {
  auto at = [&](size_t i) { return static_cast<unsigned char>(b[i]); };
  if (b.size() < 4 || at(0) != 0xFF || at(1) != 0xD8) return std::nullopt;
  size_t i = 2;
  while (i + 4 <= b.size()) {
    if (at(i) != 0xFF) return std::nullopt;
    const unsigned char marker = at(i + 1);
    if (marker == 0xFF) {
      ++i;
      continue;
    }
    const size_t length = (size_t{at(i + 2)} << 8) | at(i + 3);
    const bool sof =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      if (i + 9 > b.size()) return std::nullopt;
      const int height = (at(i + 5) << 8) | at(i + 6);
      const int width = (at(i + 7) << 8) | at(i + 8);
      return std::make_pair(width, height);
    }
    i += 2 + length;
  }
  return std::nullopt;
}

ClipWorker::ClipWorker(ClipStore& store, storage::StorageProvider& hot, ProviderLookup providers,
                       ClipWorkerOptions options, std::string owner, prometheus::Registry* metrics)
    : store_(store),
      hot_(hot),
      providers_(std::move(providers)),
      options_(std::move(options)),
      owner_(std::move(owner)) {
  if (metrics != nullptr) {
    jobs_ = &prometheus::BuildCounter()
                 .Name("recording_lifecycle_clip_jobs_total")
                 .Help(
                     "Clip and thumbnail jobs run, by kind and outcome (ready, retry, failed "
                     "reason, lost)")
                 .Register(*metrics);
    seconds_ = &prometheus::BuildHistogram()
                    .Name("recording_lifecycle_clip_job_seconds")
                    .Help("Time one clip or thumbnail job took (fetch, cut, store)")
                    .Register(*metrics);
  }
}

ClipWorker::~ClipWorker() { Stop(); }

absl::Time ClipWorker::Now() const { return options_.now ? options_.now() : absl::Now(); }

void ClipWorker::Start() {
  absl::MutexLock lock(&mu_);
  if (!threads_.empty()) return;
  stopping_ = false;
  for (int i = 0; i < std::max(1, options_.concurrency); ++i) {
    threads_.emplace_back([this, i] { Loop(i); });
  }
}

void ClipWorker::Stop() {
  std::vector<std::thread> threads;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    threads.swap(threads_);
  }
  for (std::thread& t : threads) t.join();
}

void ClipWorker::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

void ClipWorker::Loop(int index) {
  absl::Time next_scan = absl::InfinitePast();
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    if (index == 0 && absl::Now() >= next_scan) {
      Scan();
      next_scan = absl::Now() + options_.poll_interval;
    }
    bool worked = RunOneClip();
    if (!worked && options_.thumbnails) worked = RunOneThumbnail();
    if (worked) continue;
    absl::MutexLock lock(&mu_);
    auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || woken_; };
    mu_.AwaitWithTimeout(absl::Condition(&ready), options_.poll_interval);
    woken_ = false;
  }
}

int ClipWorker::RunOnce() {
  Scan();
  int n = 0;
  while (RunOneClip()) ++n;
  while (options_.thumbnails && RunOneThumbnail()) ++n;
  return n;
}

bool ClipWorker::Crash(const std::string& id, const char* step) const {
  return options_.crash_before && options_.crash_before(id, step);
}

void ClipWorker::Record(const char* kind, const std::string& outcome, double seconds) {
  if (jobs_ != nullptr) jobs_->Add({{"kind", kind}, {"outcome", outcome}}).Increment();
  if (seconds_ != nullptr) {
    seconds_
        ->Add({{"kind", kind}},
              prometheus::Histogram::BucketBoundaries{0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120})
        .Observe(seconds);
  }
}

void ClipWorker::Scan() {
  const int64_t now = absl::ToUnixMicros(Now());
  if (options_.auto_clips) {
    absl::StatusOr<std::vector<ClipStore::AutoCandidate>> candidates =
        store_.AutoClipCandidates(options_.scan_batch);
    if (!candidates.ok()) {
      log::Warn("clip_scan_failed")
          .Kv("what", "auto_clips")
          .Kv("reason", ReasonText(candidates.status()));
    } else {
      for (const ClipStore::AutoCandidate& c : *candidates) {
        absl::StatusOr<Window> w =
            MomentWindow(*c.moment.media_offset_us, c.recording.duration_us, options_.auto_lead_in,
                         options_.auto_lead_out, options_.limits);
        if (!w.ok()) continue;  // A recording shorter than a clip.
        ClipRow row;
        row.id = ids::NewId("clp");
        row.recording_id = c.recording.id;
        row.creator_id = c.recording.host_id;
        row.title = c.moment.product_title.empty() ? c.recording.title : c.moment.product_title;
        row.requested_start_us = w->start_us;
        row.requested_duration_us = w->duration_us;
        row.moment_id = c.moment.id;
        row.automatic = true;
        row.mp4_key = ClipMp4Key(row.recording_id, row.id);
        row.poster_key = ClipPosterKey(row.recording_id, row.id);
        absl::StatusOr<bool> inserted = store_.InsertAutomaticClip(row, now);
        if (inserted.ok() && *inserted) {
          log::Info("clip_automatic_created")
              .Kv("clip_id", row.id)
              .Kv("recording_id", row.recording_id)
              .Kv("moment_id", row.moment_id);
        }
      }
    }
  }
  if (!options_.thumbnails) return;
  absl::StatusOr<std::vector<RecordingRow>> posters = store_.PosterCandidates(options_.scan_batch);
  if (posters.ok()) {
    for (const RecordingRow& rec : *posters) {
      absl::StatusOr<std::string> head = hot_.GetRange(
          rec.poster_key, 0, 65536, storage::CallOptions::WithTimeout(std::chrono::seconds(10)));
      std::optional<std::pair<int, int>> size;
      if (head.ok()) size = JpegSize(*head);
      if (!size) {
        log::Warn("thumbnail_poster_unreadable")
            .Kv("recording_id", rec.id)
            .Kv("reason", head.ok() ? std::string("NOT_A_JPEG") : ReasonText(head.status()));
        continue;
      }
      ThumbnailRow t;
      t.id = ids::NewId("thm");
      t.recording_id = rec.id;
      t.kind = "poster";
      t.media_offset_us = 0;
      t.object_key = rec.poster_key;
      t.width = size->first;
      t.height = size->second;
      t.status = kJobReady;
      (void)store_.InsertThumbnail(t, now);
    }
  }
  absl::StatusOr<std::vector<ClipStore::AutoCandidate>> moments =
      store_.MomentThumbnailCandidates(options_.scan_batch);
  if (moments.ok()) {
    for (const ClipStore::AutoCandidate& c : *moments) {
      ThumbnailRow t;
      t.id = ids::NewId("thm");
      t.recording_id = c.recording.id;
      t.kind = "moment";
      t.moment_id = c.moment.id;
      t.media_offset_us = *c.moment.media_offset_us;
      t.status = kJobPending;
      (void)store_.InsertThumbnail(t, now);
    }
  }
}

bool ClipWorker::RunOneClip() {
  const absl::Time now = Now();
  absl::StatusOr<std::optional<ClipRow>> claimed = store_.ClaimClip(
      owner_, absl::ToUnixMicros(now), absl::ToUnixMicros(now + options_.lease_ttl));
  if (!claimed.ok()) {
    log::Warn("clip_claim_failed").Kv("reason", ReasonText(claimed.status()));
    return false;
  }
  if (!claimed->has_value()) return false;
  const ClipRow& clip = **claimed;
  const auto started = std::chrono::steady_clock::now();
  Scratch scratch(options_.scratch_root);
  JobResult r = scratch.ok()
                    ? CutClipJob(clip, scratch.path())
                    : JobResult{Outcome::kRetry, Error(absl::StatusCode::kInternal,
                                                       "SCRATCH_UNAVAILABLE", "no scratch folder")};
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string outcome = "ready";
  if (r.outcome == Outcome::kRetry || r.outcome == Outcome::kFailed) {
    const bool final = r.outcome == Outcome::kFailed || clip.attempts >= options_.max_attempts;
    const int64_t t = absl::ToUnixMicros(Now());
    absl::StatusOr<bool> ok =
        store_.FailClip(clip, owner_, ReasonText(r.status), final,
                        t + absl::ToInt64Microseconds(options_.retry_after), t);
    outcome = final ? ReasonText(r.status) : "retry";
    log::Warn(final ? "clip_failed" : "clip_retry")
        .Kv("clip_id", clip.id)
        .Kv("attempt", clip.attempts)
        .Kv("reason", ReasonText(r.status))
        .Kv("detail", std::string(r.status.message()))
        .Kv("recorded", ok.ok() && *ok);
  } else if (r.outcome == Outcome::kAbandoned) {
    outcome = "abandoned";
  } else if (r.outcome == Outcome::kLost) {
    outcome = "lost";
  }
  Record("clip", outcome, seconds);
  return true;
}

ClipWorker::JobResult ClipWorker::CutClipJob(const ClipRow& clip, const fs::path& scratch) {
  if (Crash(clip.id, "fetch")) return {Outcome::kAbandoned, {}};
  absl::StatusOr<std::optional<RecordingRow>> rec = store_.GetRecording(clip.recording_id);
  if (!rec.ok()) return {Outcome::kRetry, rec.status()};
  if (absl::Status s = CheckRecording(*rec); !s.ok()) return {Outcome::kFailed, s};
  absl::StatusOr<std::vector<SegmentRow>> all = store_.Segments(clip.recording_id);
  if (!all.ok()) return {Outcome::kRetry, all.status()};
  std::vector<SegmentSpan> spans;
  for (const SegmentRow& s : *all) {
    spans.push_back({s.sequence, s.media_offset_us, s.duration_us, s.discontinuity});
  }
  const int64_t end = clip.requested_start_us + clip.requested_duration_us;
  std::vector<SegmentRow> needed;
  for (size_t i : SegmentsFor(spans, clip.requested_start_us, end)) needed.push_back((*all)[i]);
  if (needed.empty()) {
    return {Outcome::kFailed,
            InvalidArgument("range", "CLIP_RANGE_INVALID", "no segment covers the range")};
  }
  absl::StatusOr<std::vector<SourceSegment>> sources = Fetch(needed, scratch);
  if (!sources.ok()) return {Outcome::kRetry, sources.status()};

  if (Crash(clip.id, "cut")) return {Outcome::kAbandoned, {}};
  const fs::path mp4 = scratch / "clip.mp4";
  const fs::path jpg = scratch / "clip.jpg";
  CutOptions cut = options_.cut;
  cut.scratch_dir = scratch;
  absl::StatusOr<CutResult> result =
      CutClip(*sources, clip.requested_start_us, clip.requested_duration_us, mp4, jpg, cut);
  if (!result.ok()) {
    return {IsFinal(result.status()) ? Outcome::kFailed : Outcome::kRetry, result.status()};
  }

  if (Crash(clip.id, "store")) return {Outcome::kAbandoned, {}};
  std::string mp4_sha;
  if (absl::Status s = Store(clip.mp4_key, mp4, &mp4_sha); !s.ok()) return {Outcome::kRetry, s};
  std::string poster_sha;
  std::string poster_key;
  if (result->has_poster) {
    if (absl::Status s = Store(clip.poster_key, jpg, &poster_sha); !s.ok()) {
      return {Outcome::kRetry, s};
    }
    poster_key = clip.poster_key;
  }

  if (Crash(clip.id, "finish")) return {Outcome::kAbandoned, {}};
  absl::StatusOr<bool> finished = store_.FinishClip(
      clip, owner_, result->start_us, result->duration_us, mp4_sha, result->bytes,
      poster_key.empty() ? clip.poster_key : poster_key, poster_sha, absl::ToUnixMicros(Now()));
  if (!finished.ok()) return {Outcome::kRetry, finished.status()};
  if (!*finished) {
    // Deleted meanwhile (remove what was stored) or taken over by another worker (who writes
    // the same keys).
    absl::StatusOr<std::optional<ClipRow>> now = store_.GetClip(clip.id);
    if (now.ok() && (!now->has_value() || (*now)->deleted)) {
      const auto opts = storage::CallOptions::WithTimeout(std::chrono::seconds(10));
      (void)hot_.Delete(clip.mp4_key, opts);
      (void)hot_.Delete(clip.poster_key, opts);
    }
    log::Info("clip_finish_lost").Kv("clip_id", clip.id);
    return {Outcome::kLost, {}};
  }
  log::Info("clip_ready")
      .Kv("clip_id", clip.id)
      .Kv("recording_id", clip.recording_id)
      .Kv("start_us", result->start_us)
      .Kv("duration_us", result->duration_us)
      .Kv("bytes", result->bytes);
  return {Outcome::kDone, {}};
}

absl::StatusOr<std::vector<SourceSegment>> ClipWorker::Fetch(
    const std::vector<SegmentRow>& segments, const fs::path& scratch) {
  std::vector<SourceSegment> out;
  for (const SegmentRow& s : segments) {
    SourceSegment src;
    src.sequence = s.sequence;
    src.media_offset_us = s.media_offset_us;
    src.duration_us = s.duration_us;
    src.discontinuity = s.discontinuity;
    if (s.tier == kTierExpired) return Gone("RECORDING_EXPIRED", "a segment's media expired");
    storage::StorageProvider* provider =
        s.tier == kTierHot
            ? &hot_
            : (providers_ ? providers_(static_cast<v1::StorageTier>(s.tier)) : nullptr);
    if (provider == nullptr) {
      return Error(absl::StatusCode::kUnavailable, "SOURCE_UNAVAILABLE",
                   absl::StrCat("no provider for tier ", s.tier));
    }
    // A local filesystem tier is read in place.
    if (auto* local = dynamic_cast<storage::FilesystemProvider*>(provider); local != nullptr) {
      absl::StatusOr<fs::path> path = local->PathOf(s.object_key);
      std::error_code ec;
      if (path.ok() && fs::is_regular_file(*path, ec)) {
        src.path = *path;
        out.push_back(std::move(src));
        continue;
      }
    }
    src.path = scratch / absl::StrCat(s.sequence, ".ts");
    absl::Status got = provider->GetToFile(
        s.object_key, src.path,
        storage::CallOptions::WithTimeout(absl::ToChronoNanoseconds(options_.fetch_timeout)));
    if (!got.ok()) {
      return Error(absl::IsNotFound(got) ? absl::StatusCode::kNotFound : got.code(),
                   "SOURCE_UNAVAILABLE",
                   absl::StrCat("segment ", s.sequence, ": ", ReasonText(got)));
    }
    out.push_back(std::move(src));
  }
  return out;
}

absl::Status ClipWorker::Store(const std::string& key, const fs::path& file, std::string* sha256) {
  ASSIGN_OR_RETURN(*sha256, storage::Sha256OfFile(file));
  return hot_.Put(key, file, *sha256, storage::CallOptions::WithTimeout(std::chrono::minutes(2)));
}

bool ClipWorker::RunOneThumbnail() {
  const absl::Time now = Now();
  absl::StatusOr<std::optional<ThumbnailRow>> claimed = store_.ClaimThumbnail(
      owner_, absl::ToUnixMicros(now), absl::ToUnixMicros(now + options_.lease_ttl));
  if (!claimed.ok() || !claimed->has_value()) return false;
  const ThumbnailRow& thumb = **claimed;
  const auto started = std::chrono::steady_clock::now();
  Scratch scratch(options_.scratch_root);
  JobResult r = ThumbnailJob(thumb, scratch.path());
  std::string outcome = "ready";
  if (r.outcome == Outcome::kRetry || r.outcome == Outcome::kFailed) {
    const bool final = r.outcome == Outcome::kFailed || thumb.attempts >= options_.max_attempts;
    const int64_t t = absl::ToUnixMicros(Now());
    (void)store_.FailThumbnail(thumb, owner_, ReasonText(r.status), final,
                               t + absl::ToInt64Microseconds(options_.retry_after), t);
    outcome = final ? ReasonText(r.status) : "retry";
    log::Warn(final ? "thumbnail_failed" : "thumbnail_retry")
        .Kv("thumbnail_id", thumb.id)
        .Kv("reason", ReasonText(r.status));
  } else if (r.outcome != Outcome::kDone) {
    outcome = r.outcome == Outcome::kLost ? "lost" : "abandoned";
  }
  Record("thumbnail", outcome,
         std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return true;
}

ClipWorker::JobResult ClipWorker::ThumbnailJob(const ThumbnailRow& thumb, const fs::path& scratch) {
  if (Crash(thumb.id, "fetch")) return {Outcome::kAbandoned, {}};
  absl::StatusOr<std::optional<RecordingRow>> rec = store_.GetRecording(thumb.recording_id);
  if (!rec.ok()) return {Outcome::kRetry, rec.status()};
  if (absl::Status s = CheckRecording(*rec); !s.ok()) return {Outcome::kFailed, s};
  absl::StatusOr<std::vector<SegmentRow>> all = store_.Segments(thumb.recording_id);
  if (!all.ok()) return {Outcome::kRetry, all.status()};
  std::vector<SegmentSpan> spans;
  for (const SegmentRow& s : *all) {
    spans.push_back({s.sequence, s.media_offset_us, s.duration_us, s.discontinuity});
  }
  const std::optional<size_t> at = SegmentAt(spans, thumb.media_offset_us);
  if (!at) {
    return {Outcome::kFailed,
            InvalidArgument("media_offset", "CLIP_RANGE_INVALID", "outside the recording")};
  }
  absl::StatusOr<std::vector<SourceSegment>> sources = Fetch({(*all)[*at]}, scratch);
  if (!sources.ok()) return {Outcome::kRetry, sources.status()};
  if (Crash(thumb.id, "cut")) return {Outcome::kAbandoned, {}};
  absl::StatusOr<Frame> frame =
      GrabFrame(*sources, thumb.media_offset_us, options_.thumbnail, options_.cut.timeout);
  if (!frame.ok()) {
    return {IsFinal(frame.status()) ? Outcome::kFailed : Outcome::kRetry, frame.status()};
  }
  const fs::path jpg = scratch / "thumb.jpg";
  {
    std::ofstream out(jpg, std::ios::binary | std::ios::trunc);
    out.write(frame->jpeg.data(), static_cast<std::streamsize>(frame->jpeg.size()));
    if (!out) {
      return {Outcome::kRetry,
              Error(absl::StatusCode::kInternal, "SCRATCH_UNAVAILABLE", "cannot write")};
    }
  }
  if (Crash(thumb.id, "store")) return {Outcome::kAbandoned, {}};
  const std::string key = ThumbnailKey(thumb.recording_id, thumb.id);
  std::string sha;
  if (absl::Status s = Store(key, jpg, &sha); !s.ok()) return {Outcome::kRetry, s};
  if (Crash(thumb.id, "finish")) return {Outcome::kAbandoned, {}};
  absl::StatusOr<bool> finished =
      store_.FinishThumbnail(thumb, owner_, key, sha, frame->width, frame->height, frame->offset_us,
                             absl::ToUnixMicros(Now()));
  if (!finished.ok()) return {Outcome::kRetry, finished.status()};
  if (!*finished) return {Outcome::kLost, {}};
  return {Outcome::kDone, {}};
}

}  // namespace shopcast::recording_lifecycle::clips
