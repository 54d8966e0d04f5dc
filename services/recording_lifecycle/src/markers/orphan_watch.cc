#include "markers/orphan_watch.h"

#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::markers {

OrphanWatch::OrphanWatch(db::Pool& pool, absl::Duration grace, absl::Duration interval,
                         prometheus::Registry* metrics)
    : pool_(pool), grace_(grace), interval_(interval) {
  if (metrics != nullptr) {
    orphans_ = &prometheus::BuildGauge()
                    .Name("recording_lifecycle_orphan_markers")
                    .Help("Markers still not placed on a recording after the orphan grace")
                    .Register(*metrics)
                    .Add({});
  }
}

OrphanWatch::~OrphanWatch() { Stop(); }

absl::StatusOr<OrphanReport> OrphanWatch::RunOnce() {
  ASSIGN_OR_RETURN(OrphanReport report, FindOrphans(pool_, grace_));
  if (orphans_ != nullptr) orphans_->Set(static_cast<double>(report.count));
  if (report.count > 0) {
    log::Line line = log::Warn("orphan_markers");
    line.Kv("count", report.count);
    for (size_t i = 0; i < report.oldest.size() && i < 5; ++i) {
      const Orphan& o = report.oldest[i];
      const std::string n = std::to_string(i);
      line.Kv("marker_" + n, o.marker_id)
          .Kv("stream_" + n, o.stream_id)
          .Kv("recording_" + n, o.recording_id.empty() ? "none" : o.recording_id)
          .Kv("kind_" + n, o.kind);
    }
  }
  return report;
}

void OrphanWatch::Start() {
  if (thread_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    stop_ = false;
  }
  thread_ = std::thread([this] {
    for (;;) {
      absl::Status s = RunOnce().status();
      if (!s.ok()) log::Warn("orphan_report_failed").Kv("reason", ReasonOf(s));
      absl::MutexLock lock(&mu_);
      auto stopped = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stop_; };
      if (mu_.AwaitWithTimeout(absl::Condition(&stopped), interval_)) return;
    }
  });
}

void OrphanWatch::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace shopcast::recording_lifecycle::markers
