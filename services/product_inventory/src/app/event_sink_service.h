#pragma once

// The EventSink peers' outbox relays deliver to (internal listener only). Each event is applied
// once (events::MarkProcessed) in one transaction with every area's handler: the stream
// directory (common/streams.h) always; areas add theirs (pins clear at stream_ended, auctions
// close) with AddHandler before the App starts.

#include <functional>
#include <pqxx/transaction>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "shopcast/common/v1/event.grpc.pb.h"
#include "shopcast/db/pool.h"
#include "shopcast/server/executor.h"

namespace shopcast::product_inventory {

// Applies an event in the delivery's transaction; events it does not care about are OK.
// INVALID_ARGUMENT EVENT_PAYLOAD_INVALID drops the event (logged; redelivery cannot fix it).
using EventHandler =
    std::function<absl::Status(pqxx::work& tx, const common::v1::Event& event, absl::Time now)>;

class EventSinkService : public common::v1::EventSink::CallbackService {
 public:
  EventSinkService(db::Pool& pool, server::Executor& executor);

  // Before serving.
  void AddHandler(EventHandler handler);

  grpc::ServerUnaryReactor* DeliverEvents(grpc::CallbackServerContext* ctx,
                                          const common::v1::DeliverEventsRequest* request,
                                          common::v1::DeliverEventsResponse* response) override;

 private:
  absl::Status Deliver(const common::v1::DeliverEventsRequest& request,
                       common::v1::DeliverEventsResponse& response);

  db::Pool& pool_;
  server::Executor& executor_;
  std::vector<EventHandler> handlers_;
};

}  // namespace shopcast::product_inventory
