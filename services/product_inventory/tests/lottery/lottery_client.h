#pragma once

// Helpers for the lotteries' pg tests: a host's live stream with fixed-price products (the
// catalogue's own RPCs make them), the lottery RPCs with their status, the stock as GetStock
// shows it, and what the database holds (a fingerprint for "nothing changed", the lottery room
// events in the outbox).

#include <pqxx/binarystring>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "../stock/stock_client.h"
#include "common/pg_time.h"
#include "shopcast/common/v1/event.pb.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"

namespace shopcast::product_inventory::testing {

class Lotteries : public StockWorld {
 public:
  Lotteries(AppFixture& f, Replica& r) : StockWorld(f, r), f_(f), stub_(r.Stub()) {
    stream_ = f.AddStream("usr_host");
  }

  const std::string& stream() const { return stream_; }
  Catalog& c() { return catalog(); }

  // A listed fixed-price product of usr_host (45.00 USD) in the stream with `units`.
  pb::Product StreamProduct(int64_t units) {
    return Product(units, "p" + std::to_string(++n_), [this](pb::CreateProductRequest& r) {
      r.mutable_product()->set_stream_id(stream_);
    });
  }

  // A StartLottery request of `units` units open now for `seconds`.
  pb::StartLotteryRequest StartRequest(const std::string& product, int units, int seconds = 10) {
    pb::StartLotteryRequest req;
    req.set_product_id(product);
    req.set_units(units);
    req.mutable_duration()->set_seconds(seconds);
    req.set_idempotency_key("l" + std::to_string(++n_));
    return req;
  }

  Result<pb::StartLotteryResponse> TryStart(const std::string& token,
                                            const pb::StartLotteryRequest& req) {
    return CallOn(*stub_, &Stub::StartLottery, token, req);
  }

  pb::Lottery Start(const std::string& product, int units, int seconds = 10) {
    auto r = TryStart(c().host(), StartRequest(product, units, seconds));
    if (!r.status.ok()) throw std::runtime_error("start: " + r.status.error_message());
    return r.response.lottery();
  }

  // `stub` lets concurrent callers each use their own channel's stub.
  static Result<pb::EnterLotteryResponse> Enter(Stub& stub, const std::string& token,
                                                const std::string& lottery) {
    pb::EnterLotteryRequest req;
    req.set_lottery_id(lottery);
    return CallOn(stub, &Stub::EnterLottery, token, req);
  }
  Result<pb::EnterLotteryResponse> Enter(const std::string& token, const std::string& lottery) {
    return Enter(*stub_, token, lottery);
  }

  Result<pb::GetLotteryResponse> TryGet(const std::string& lottery, bool include_entrants = false,
                                        const std::string& token = "") {
    pb::GetLotteryRequest req;
    req.set_lottery_id(lottery);
    req.set_include_entrants(include_entrants);
    return CallOn(*stub_, &Stub::GetLottery, token, req);
  }

  pb::Lottery Get(const std::string& lottery, bool include_entrants = false) {
    return Get(*stub_, lottery, include_entrants);
  }
  // On another replica's `stub`.
  static pb::Lottery Get(Stub& stub, const std::string& lottery, bool include_entrants) {
    pb::GetLotteryRequest req;
    req.set_lottery_id(lottery);
    req.set_include_entrants(include_entrants);
    auto r = CallOn(stub, &Stub::GetLottery, std::string(), req);
    if (!r.status.ok()) throw std::runtime_error("get: " + r.status.error_message());
    return r.response.lottery();
  }

  Result<pb::DrawLotteryResponse> Draw(const std::string& token, const std::string& lottery) {
    pb::DrawLotteryRequest req;
    req.set_lottery_id(lottery);
    return CallOn(*stub_, &Stub::DrawLottery, token, req);
  }

  Result<pb::CancelLotteryResponse> Cancel(const std::string& token, const std::string& lottery) {
    pb::CancelLotteryRequest req;
    req.set_lottery_id(lottery);
    return CallOn(*stub_, &Stub::CancelLottery, token, req);
  }

  // video-ingest's stream_ended for this stream, delivered once as event `id` to `r`'s sink.
  void EndStream(Replica& r, const std::string& id) { f_.EndStream(r, stream_, id); }

  bool Drawn(const std::string& lottery) {
    return Get(lottery).status() == pb::LOTTERY_STATUS_DRAWN;
  }

  // What the lotteries' tables, the stock and the outbox hold, as one comparable string.
  std::string Fingerprint() const {
    return std::to_string(f_.Count("SELECT count(*) FROM lotteries")) + "/" +
           std::to_string(f_.Count("SELECT coalesce(sum(version), 0) FROM lotteries")) + "/" +
           std::to_string(f_.Count("SELECT count(*) FROM lottery_entries")) + "/" +
           std::to_string(f_.Count("SELECT coalesce(sum(total), 0) FROM stock")) + "/" +
           std::to_string(f_.Count("SELECT coalesce(sum(held), 0) FROM stock")) + "/" +
           std::to_string(f_.Count("SELECT count(*) FROM holds")) + "/" +
           // Stock and entry-count announcements are coalesced and written a moment after the
           // change that caused them (a lottery's start sets units aside, an entry counts): one
           // may land mid-comparison, and such a change shows in the counts above anyway.
           std::to_string(f_.Count("SELECT count(*) FROM outbox WHERE type NOT LIKE "
                                   "'product_inventory.stock_%' AND type <> "
                                   "'product_inventory.lottery_entries'"));
  }

  // The lottery room events of the stream in the outbox, in commit order.
  std::vector<realtime_push::v1::RoomEvent> RoomEvents() const {
    pqxx::connection conn(f_.dsn());
    pqxx::work tx(conn);
    std::vector<realtime_push::v1::RoomEvent> out;
    for (const auto& row :
         tx.exec_params("SELECT payload FROM outbox WHERE aggregate_id = $1 AND destination = "
                        "'realtime_push' AND type LIKE 'product_inventory.lottery_%' ORDER BY id",
                        stream_)) {
      common::v1::Event event;
      event.ParseFromString(pqxx::binarystring(row[0]).str());
      realtime_push::v1::RoomEvent room;
      if (!event.payload().UnpackTo(&room)) throw std::runtime_error("not a RoomEvent");
      out.push_back(std::move(room));
    }
    return out;
  }

 private:
  AppFixture& f_;
  std::unique_ptr<Stub> stub_;
  std::string stream_;
  int n_ = 0;
};

}  // namespace shopcast::product_inventory::testing
