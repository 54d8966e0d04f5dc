#pragma once

// shopcast.common.v1.EventSink for realtime-push: peers' outbox relays deliver their events
// here (internal listener only). Each event is applied in its own transaction together with
// its dedupe mark, in the order given; the first failure stops the batch so an aggregate's
// later events never overtake an earlier one (the relay redelivers the rest).

#include <functional>

#include <pqxx/transaction>

#include "rooms/feed_hub.h"
#include "rooms/stream_events.h"
#include "shopcast/common/v1/event.grpc.pb.h"
#include "shopcast/db/pool.h"
#include "shopcast/server/executor.h"

namespace shopcast::realtime_push::rooms {

// Called inside the event's transaction when a stream first goes live (go-live notifications
// are queued there, so they exist if and only if the event was applied).
using WentLiveHook = std::function<absl::Status(pqxx::work&, const WentLive&)>;

class EventSinkService : public common::v1::EventSink::CallbackService {
 public:
  EventSinkService(db::Pool& pool, FeedHub& hub, server::Executor& executor,
                   WentLiveHook went_live = nullptr);

  grpc::ServerUnaryReactor* DeliverEvents(grpc::CallbackServerContext* ctx,
                                          const common::v1::DeliverEventsRequest* request,
                                          common::v1::DeliverEventsResponse* response) override;

 private:
  absl::Status Deliver(const common::v1::DeliverEventsRequest& request,
                       common::v1::DeliverEventsResponse& response);

  db::Pool& pool_;
  FeedHub& hub_;
  server::Executor& executor_;
  WentLiveHook went_live_;
};

}  // namespace shopcast::realtime_push::rooms
