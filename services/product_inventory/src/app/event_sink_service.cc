#include "app/event_sink_service.h"

#include "absl/time/clock.h"
#include "shopcast/db/transaction.h"
#include "shopcast/events/inbox.h"
#include "shopcast/log/log.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory {
namespace {

constexpr int kMaxEventsPerCall = 100;  // the contract's limit

}  // namespace

EventSinkService::EventSinkService(db::Pool& pool, server::Executor& executor)
    : pool_(pool), executor_(executor) {}

void EventSinkService::AddHandler(EventHandler handler) { handlers_.push_back(std::move(handler)); }

grpc::ServerUnaryReactor* EventSinkService::DeliverEvents(
    grpc::CallbackServerContext* ctx, const common::v1::DeliverEventsRequest* request,
    common::v1::DeliverEventsResponse* response) {
  if (request->events_size() < 1 || request->events_size() > kMaxEventsPerCall) {
    return server::FinishNow(ctx, InvalidArgument("events", "EVENT_COUNT_OUT_OF_RANGE",
                                                  "send 1 to 100 events per call"));
  }
  return server::RunBlocking(ctx, executor_,
                             [this, request, response] { return Deliver(*request, *response); });
}

absl::Status EventSinkService::Deliver(const common::v1::DeliverEventsRequest& request,
                                       common::v1::DeliverEventsResponse& response) {
  for (const common::v1::Event& event : request.events()) {
    if (event.id().empty() || event.id().size() > 64) {
      return InvalidArgument("events.id", "EVENT_ID_INVALID", "every event needs a 1..64 byte id");
    }
    const absl::Time now = absl::Now();
    absl::Status applied = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
      ASSIGN_OR_RETURN(bool first, events::MarkProcessed(tx, event.id()));
      if (!first) return absl::OkStatus();
      for (const EventHandler& handler : handlers_) {
        absl::Status s = handler(tx, event, now);
        if (ReasonOf(s) == "EVENT_PAYLOAD_INVALID") {
          // Redelivering cannot fix it: keep the dedupe mark, drop the event, say so.
          log::Error("event_payload_invalid").Kv("event_id", event.id()).Kv("type", event.type());
          return absl::OkStatus();
        }
        RETURN_IF_ERROR(s);
      }
      return absl::OkStatus();
    });
    if (!applied.ok()) {
      // What was applied stays accepted; the rest comes again.
      if (response.accepted_ids_size() > 0) return absl::OkStatus();
      return applied;
    }
    response.add_accepted_ids(event.id());
  }
  return absl::OkStatus();
}

}  // namespace shopcast::product_inventory
