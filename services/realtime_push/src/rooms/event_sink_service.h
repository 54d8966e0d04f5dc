#pragma once

// shopcast.common.v1.EventSink for realtime-push: peers' outbox relays deliver their events
// here (internal listener only). Each event is applied in its own transaction together with
// its dedupe mark, in the order given; the first failure stops the batch so an aggregate's
// later events never overtake an earlier one (the relay redelivers the rest).

#include <functional>
#include <pqxx/transaction>
#include <string>
#include <vector>

#include "rooms/feed_hub.h"
#include "rooms/stream_events.h"
#include "shopcast/common/v1/event.grpc.pb.h"
#include "shopcast/db/pool.h"
#include "shopcast/server/executor.h"

namespace shopcast::realtime_push::rooms {

// Called inside the event's transaction when a stream first goes live (go-live notifications
// are queued there, so they exist if and only if the event was applied).
using WentLiveHook = std::function<absl::Status(pqxx::work&, const WentLive&)>;

// Another producer's events (types starting with `type_prefix`, e.g. "order."), applied inside
// the event's transaction with its dedupe mark; returns the room events appended, to fan out
// after commit. INVALID_ARGUMENT EVENT_PAYLOAD_INVALID for a payload that does not unpack (the
// event is then logged and dropped, as video-ingest's are).
struct EventConsumer {
  std::string type_prefix;
  std::function<absl::StatusOr<std::vector<Appended>>(pqxx::work&, const common::v1::Event&,
                                                      absl::Time)>
      apply;
};

class EventSinkService : public common::v1::EventSink::CallbackService {
 public:
  // Events of no consumer (and video_ingest types it does not know) are accepted unchanged.
  EventSinkService(db::Pool& pool, FeedHub& hub, server::Executor& executor,
                   WentLiveHook went_live = nullptr, std::vector<EventConsumer> consumers = {});

  grpc::ServerUnaryReactor* DeliverEvents(grpc::CallbackServerContext* ctx,
                                          const common::v1::DeliverEventsRequest* request,
                                          common::v1::DeliverEventsResponse* response) override;

 private:
  absl::Status Deliver(const common::v1::DeliverEventsRequest& request,
                       common::v1::DeliverEventsResponse& response);
  // The event's effects, inside its transaction.
  absl::StatusOr<StreamEventEffects> Apply(pqxx::work& tx, const common::v1::Event& event,
                                           absl::Time now);

  db::Pool& pool_;
  FeedHub& hub_;
  server::Executor& executor_;
  WentLiveHook went_live_;
  const std::vector<EventConsumer> consumers_;
};

}  // namespace shopcast::realtime_push::rooms
