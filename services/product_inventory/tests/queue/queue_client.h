#pragma once

// Helpers for the queue's whole-App tests: a stock world with queue calls, replicas whose
// advancer looks often and whose stock clock the test moves, and readers of the tickets and
// room events the database holds.

#include <atomic>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "shopcast/common/v1/event.pb.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"
#include "shopcast/testing/wait.h"
#include "stock/stock_client.h"

namespace shopcast::product_inventory::testing {

// The stock (and queue) clock of a replica, `offset` seconds ahead of the real one.
inline AppOverrides MovableClock(std::shared_ptr<std::atomic<int64_t>> offset) {
  AppOverrides o;
  o.stock_clock = [offset] { return absl::Now() + absl::Seconds(offset->load()); };
  return o;
}

// A replica whose advancer and room announcements run often (the test waits less).
inline Replica& QueueReplica(AppFixture& f, const AppOverrides& overrides = {},
                             absl::Duration event_interval = absl::Milliseconds(100)) {
  return f.AddReplica(
      [event_interval](Config& c) {
        c.queue_advance_interval = absl::Milliseconds(20);
        c.queue_event_interval = event_interval;
      },
      overrides);
}

class QueueWorld : public StockWorld {
 public:
  QueueWorld(AppFixture& f, Replica& r) : StockWorld(f, r), f_(f) {}

  Result<pb::ConfigureQueueResponse> Configure(const std::string& token, const std::string& product,
                                               bool enabled, int claim_seconds = 0,
                                               int max_length = 0) {
    pb::ConfigureQueueRequest req;
    req.set_product_id(product);
    req.mutable_settings()->set_enabled(enabled);
    if (claim_seconds > 0)
      req.mutable_settings()->mutable_claim_window()->set_seconds(claim_seconds);
    req.mutable_settings()->set_max_length(max_length);
    return CallOn(stub(), &Stub::ConfigureQueue, token, req);
  }
  Result<pb::EnqueueResponse> Enqueue(const std::string& token, const std::string& product,
                                      int quantity = 1, Stub* on = nullptr) {
    pb::EnqueueRequest req;
    req.set_product_id(product);
    req.set_quantity(quantity);
    return CallOn(on ? *on : stub(), &Stub::Enqueue, token, req);
  }
  Result<pb::GetQueuePositionResponse> Position(const std::string& token, const std::string& ticket,
                                                Stub* on = nullptr) {
    pb::GetQueuePositionRequest req;
    req.set_queue_ticket_id(ticket);
    return CallOn(on ? *on : stub(), &Stub::GetQueuePosition, token, req);
  }
  Result<pb::LeaveQueueResponse> Leave(const std::string& token, const std::string& ticket,
                                       Stub* on = nullptr) {
    pb::LeaveQueueRequest req;
    req.set_queue_ticket_id(ticket);
    return CallOn(on ? *on : stub(), &Stub::LeaveQueue, token, req);
  }
  Result<pb::ClaimQueueOfferResponse> Claim(const std::string& token, const std::string& ticket,
                                            Stub* on = nullptr) {
    pb::ClaimQueueOfferRequest req;
    req.set_queue_ticket_id(ticket);
    return CallOn(on ? *on : stub(), &Stub::ClaimQueueOffer, token, req);
  }
  // The ticket as its holder sees it, once it reaches `status` (within 30 s); throws otherwise.
  pb::QueueTicket AwaitStatus(const std::string& token, const std::string& ticket,
                              pb::QueueTicketStatus status, Stub* on = nullptr) {
    pb::QueueTicket last;
    const bool reached = shopcast::testing::WaitUntil(
        [&] {
          auto r = Position(token, ticket, on);
          if (!r.status.ok()) return false;
          last = r.response.ticket();
          return last.status() == status;
        },
        absl::Seconds(30));
    if (!reached) {
      throw std::runtime_error("ticket " + ticket + " never reached status " +
                               std::to_string(status) + ", is " + std::to_string(last.status()));
    }
    return last;
  }
  // The stored status of `ticket` ("waiting", "offered", ...).
  std::string StatusOf(const std::string& ticket) {
    pqxx::connection c(f_.dsn());
    pqxx::work tx(c);
    pqxx::result r = tx.exec_params("SELECT status FROM queue_tickets WHERE id = $1", ticket);
    return r.empty() ? "" : r[0][0].as<std::string>();
  }

 private:
  AppFixture& f_;
};

// The room events of `stream` in the outbox whose type is product_inventory.<type>, oldest
// first.
inline std::vector<realtime_push::v1::RoomEvent> RoomEventsOf(AppFixture& f,
                                                              const std::string& stream,
                                                              const std::string& type) {
  pqxx::connection c(f.dsn());
  pqxx::work tx(c);
  pqxx::result r =
      tx.exec_params("SELECT payload FROM outbox WHERE aggregate_id = $1 AND type = $2 ORDER BY id",
                     stream, "product_inventory." + type);
  std::vector<realtime_push::v1::RoomEvent> out;
  for (const auto& row : r) {
    common::v1::Event e;
    const pqxx::binarystring bytes(row[0]);
    realtime_push::v1::RoomEvent room;
    if (e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) &&
        e.payload().UnpackTo(&room)) {
      out.push_back(room);
    }
  }
  return out;
}

}  // namespace shopcast::product_inventory::testing
