#pragma once

// The EventSink the peers' outbox relays deliver to (internal listener only): video-ingest's
// stream events (gating included), order's sales, cancellations and access passes,
// product-inventory's pins and auction closes.
// Each event is applied once (events::MarkProcessed) and whole, in one transaction. An event
// that cannot be applied because of what it says (a bad field, a conflicting segment) is
// refused: nothing of it is applied, it is logged (event_refused, with the reason), counted,
// kept in rejected_events, and acknowledged — a redelivery cannot fix it, and an unacknowledged
// event would hold back the stream's later events at the relay.

#include <functional>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "markers/marker_store.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "recordings/recording_events.h"
#include "shopcast/common/v1/event.grpc.pb.h"
#include "shopcast/db/pool.h"
#include "shopcast/server/executor.h"

namespace shopcast::recording_lifecycle {

class EventSinkService : public common::v1::EventSink::CallbackService {
 public:
  // Everything outlives the object; `metrics` may be null. `deleting` (may be empty) is called
  // after a stream_ended whose host chose DELETE was applied (committed): the app wakes the
  // purger.
  EventSinkService(db::Pool& pool, server::Executor& executor,
                   recordings::RecordingEvents& recordings, markers::MarkerEvents& markers,
                   prometheus::Registry* metrics, std::function<void()> deleting = nullptr);

  grpc::ServerUnaryReactor* DeliverEvents(grpc::CallbackServerContext* ctx,
                                          const common::v1::DeliverEventsRequest* request,
                                          common::v1::DeliverEventsResponse* response) override;

  // One event, as DeliverEvents applies it: OK when applied, a duplicate, of no interest, or
  // refused (and recorded); an error when it should come again (the database failed).
  absl::Status DeliverOne(const common::v1::Event& event);

 private:
  absl::Status Refuse(const common::v1::Event& event, const absl::Status& why);
  void Count(const std::string& type, const char* outcome);

  db::Pool& pool_;
  server::Executor& executor_;
  recordings::RecordingEvents& recordings_;
  markers::MarkerEvents& markers_;
  const std::function<void()> deleting_;
  prometheus::Family<prometheus::Counter>* events_ = nullptr;
};

}  // namespace shopcast::recording_lifecycle
