#include "rooms/event_sink_service.h"

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "shopcast/db/transaction.h"
#include "shopcast/events/inbox.h"
#include "shopcast/log/log.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::rooms {
namespace {

constexpr int kMaxEventsPerCall = 100;  // the contract's limit

}  // namespace

EventSinkService::EventSinkService(db::Pool& pool, FeedHub& hub, server::Executor& executor,
                                   WentLiveHook went_live, std::vector<EventConsumer> consumers)
    : pool_(pool),
      hub_(hub),
      executor_(executor),
      went_live_(std::move(went_live)),
      consumers_(std::move(consumers)) {}

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

absl::StatusOr<StreamEventEffects> EventSinkService::Apply(pqxx::work& tx,
                                                           const common::v1::Event& event,
                                                           absl::Time now) {
  if (IsStreamEvent(event)) return ApplyStreamEvent(tx, event, now);
  for (const EventConsumer& consumer : consumers_) {
    if (!absl::StartsWith(event.type(), consumer.type_prefix)) continue;
    StreamEventEffects effects;
    ASSIGN_OR_RETURN(effects.appended, consumer.apply(tx, event, now));
    return effects;
  }
  return StreamEventEffects{};
}

absl::Status EventSinkService::Deliver(const common::v1::DeliverEventsRequest& request,
                                       common::v1::DeliverEventsResponse& response) {
  for (const common::v1::Event& event : request.events()) {
    if (event.id().empty() || event.id().size() > 64) {
      // Not deliverable ever; accepting it would hide a producer bug, refusing blocks the
      // producer's queue: refuse the call so the relay's failure metrics show it.
      return InvalidArgument("events.id", "EVENT_ID_INVALID", "every event needs a 1..64 byte id");
    }
    const absl::Time now = absl::Now();
    absl::StatusOr<StreamEventEffects> applied =
        db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<StreamEventEffects> {
          ASSIGN_OR_RETURN(bool first, events::MarkProcessed(tx, event.id()));
          if (!first) return StreamEventEffects{};
          absl::StatusOr<StreamEventEffects> effects = Apply(tx, event, now);
          if (!effects.ok() && ReasonOf(effects.status()) == "EVENT_PAYLOAD_INVALID") {
            // Redelivering cannot fix it: keep the dedupe mark, drop the event, say so.
            log::Error("event_payload_invalid").Kv("event_id", event.id()).Kv("type", event.type());
            return StreamEventEffects{};
          }
          if (effects.ok() && effects->went_live.has_value() && went_live_) {
            RETURN_IF_ERROR(went_live_(tx, *effects->went_live));
          }
          return effects;
        });
    if (!applied.ok()) {
      if (response.accepted_ids_size() > 0) return absl::OkStatus();
      return applied.status();
    }
    for (const Appended& a : applied->appended) hub_.OnAppended(a);
    response.add_accepted_ids(event.id());
  }
  return absl::OkStatus();
}

}  // namespace shopcast::realtime_push::rooms
