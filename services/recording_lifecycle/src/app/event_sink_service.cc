#include "app/event_sink_service.h"

#include <pqxx/pqxx>
#include <utility>
#include <variant>

#include "access/access_store.h"
#include "shopcast/db/transaction.h"
#include "shopcast/events/inbox.h"
#include "shopcast/log/log.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle {
namespace {

constexpr int kMaxEventsPerCall = 100;  // the contract's limit

constexpr char kInsertRejected[] =
    "INSERT INTO rejected_events (event_id, type, source, aggregate_id, reason, message, "
    "received_at) VALUES ($1, $2, $3, $4, $5, $6, now()) ON CONFLICT (event_id) DO NOTHING";

// Statuses that say the event itself is wrong (redelivery cannot help).
bool IsRefusal(const absl::Status& s) {
  return s.code() == absl::StatusCode::kInvalidArgument ||
         s.code() == absl::StatusCode::kFailedPrecondition;
}

// A bounded label for the event's type.
std::string TypeLabel(const std::string& type) {
  static const char* const kKnown[] = {"video_ingest.stream_went_live",
                                       "video_ingest.segment_closed",
                                       "video_ingest.stream_ended",
                                       "order.sale_recorded",
                                       "order.sale_cancelled",
                                       "product_inventory.pins_changed",
                                       "product_inventory.auction_closed",
                                       "video_ingest.stream_created",
                                       "video_ingest.stream_updated",
                                       "order.access_pass_granted",
                                       "order.access_pass_revoked"};
  for (const char* k : kKnown) {
    if (type == k) return type;
  }
  return "other";
}

}  // namespace

EventSinkService::EventSinkService(db::Pool& pool, server::Executor& executor,
                                   recordings::RecordingEvents& recordings,
                                   markers::MarkerEvents& markers, prometheus::Registry* metrics,
                                   std::function<void()> deleting)
    : pool_(pool),
      executor_(executor),
      recordings_(recordings),
      markers_(markers),
      deleting_(std::move(deleting)) {
  if (metrics != nullptr) {
    events_ = &prometheus::BuildCounter()
                   .Name("recording_lifecycle_events_total")
                   .Help(
                       "Events delivered to the EventSink by type and outcome (applied, "
                       "duplicate, refused)")
                   .Register(*metrics);
  }
}

void EventSinkService::Count(const std::string& type, const char* outcome) {
  if (events_ != nullptr)
    events_->Add({{"type", TypeLabel(type)}, {"outcome", outcome}}).Increment();
}

grpc::ServerUnaryReactor* EventSinkService::DeliverEvents(
    grpc::CallbackServerContext* ctx, const common::v1::DeliverEventsRequest* request,
    common::v1::DeliverEventsResponse* response) {
  if (request->events_size() < 1 || request->events_size() > kMaxEventsPerCall) {
    return server::FinishNow(ctx, InvalidArgument("events", "EVENT_COUNT_OUT_OF_RANGE",
                                                  "send 1 to 100 events per call"));
  }
  return server::RunBlocking(ctx, executor_, [this, request, response]() -> absl::Status {
    for (const common::v1::Event& event : request->events()) {
      absl::Status s = DeliverOne(event);
      if (!s.ok()) {
        // What was applied stays accepted; the rest comes again.
        if (response->accepted_ids_size() > 0) return absl::OkStatus();
        return s;
      }
      response->add_accepted_ids(event.id());
    }
    return absl::OkStatus();
  });
}

absl::Status EventSinkService::DeliverOne(const common::v1::Event& event) {
  if (event.id().empty() || event.id().size() > 64) {
    return InvalidArgument("events.id", "EVENT_ID_INVALID", "every event needs a 1..64 byte id");
  }
  // Read and check first: a bad event never reaches the database.
  absl::StatusOr<recordings::StreamChange> stream = recordings::StreamChangeOf(event);
  if (!stream.ok()) return Refuse(event, stream.status());
  absl::StatusOr<markers::MarkerChange> marker = markers::MarkerChangeOf(event);
  if (!marker.ok()) return Refuse(event, marker.status());
  absl::StatusOr<access::AccessChange> paid = access::AccessChangeOf(event);
  if (!paid.ok()) return Refuse(event, paid.status());
  const bool of_interest = !std::holds_alternative<std::monostate>(*stream) || !marker->empty() ||
                           !std::holds_alternative<std::monostate>(*paid);

  bool duplicate = false;
  absl::Status applied = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(bool first, events::MarkProcessed(tx, event.id()));
    duplicate = !first;
    if (duplicate || !of_interest) return absl::OkStatus();
    RETURN_IF_ERROR(recordings_.Apply(tx, *stream));
    RETURN_IF_ERROR(access::Apply(tx, *paid));
    return markers_.Apply(tx, *marker);
  });
  if (IsRefusal(applied)) return Refuse(event, applied);
  if (!applied.ok()) {
    log::Warn("event_apply_failed")
        .Kv("event_id", event.id())
        .Kv("type", event.type())
        .Kv("reason", ReasonOf(applied));
    return applied;
  }
  if (of_interest) Count(event.type(), duplicate ? "duplicate" : "applied");
  // The end of a stream makes its recording DELETING when the host chose DELETE (here or
  // earlier through SaveOrDelete): a purge round costs one query, so any end wakes it.
  if (!duplicate && deleting_ && std::holds_alternative<recordings::Ended>(*stream)) deleting_();
  return absl::OkStatus();
}

absl::Status EventSinkService::Refuse(const common::v1::Event& event, const absl::Status& why) {
  const std::string reason = ReasonOf(why).empty() ? "EVENT_INVALID" : ReasonOf(why);
  absl::Status recorded = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(bool first, events::MarkProcessed(tx, event.id()));
    if (!first) return absl::OkStatus();
    tx.exec_params0(kInsertRejected, event.id(), event.type(), event.source(), event.aggregate_id(),
                    reason, std::string(why.message()));
    return absl::OkStatus();
  });
  if (!recorded.ok()) return recorded;  // comes again; refused then
  log::Error("event_refused")
      .Kv("event_id", event.id())
      .Kv("type", event.type())
      .Kv("source", event.source())
      .Kv("aggregate_id", event.aggregate_id())
      .Kv("reason", reason)
      .Kv("field", FieldOf(why))
      .Kv("message", std::string(why.message()));
  Count(event.type(), "refused");
  return absl::OkStatus();
}

}  // namespace shopcast::recording_lifecycle
