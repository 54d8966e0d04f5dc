#include "stock/stock_events.h"

#include <pqxx/result>
#include <pqxx/transaction>
#include <utility>

#include "common/pg_time.h"
#include "common/room_events.h"
#include "shopcast/db/pg_array.h"
#include "shopcast/db/transaction.h"
#include "shopcast/log/log.h"
#include "stock/pg_values.h"
#include "stock/stock_proto.h"
#include "stock/stock_tx.h"

namespace shopcast::product_inventory::stock {
namespace {

// The outbox type naming the transition from `before` (-1 = unknown) to `now` units available.
const char* TypeOf(int64_t before, int64_t now, int64_t total, int64_t low) {
  if (now == 0 && total > 0 && before != 0) return "stock_sold_out";
  if (before == 0 && now > 0) return "stock_available_again";
  if (now > 0 && now <= low && (before < 0 || before > low)) return "stock_low";
  return "stock_changed";
}

}  // namespace

StockEvents::StockEvents(db::Pool& pool, WallClock clock, Options options)
    : pool_(pool), clock_(std::move(clock)), options_(options) {}

StockEvents::~StockEvents() { Stop(); }

void StockEvents::MarkDirty(const std::string& product_id) {
  std::lock_guard<std::mutex> lock(mu_);
  dirty_.insert(product_id);
}

void StockEvents::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (started_) return;
    started_ = true;
    stopping_ = false;
  }
  // Before the listeners open: what was on sale when no replica ran is announced, and a product
  // created after this start is announced only when its own stock moves (the loop used to mark
  // open streams on its first round, so a product created in that gap drew a stray event).
  open_streams_marked_ = MarkOpenStreams();
  thread_ = std::thread([this] { Run(); });
}

void StockEvents::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t StockEvents::events_written() const {
  std::lock_guard<std::mutex> lock(mu_);
  return events_written_;
}

bool StockEvents::MarkOpenStreams() {
  absl::StatusOr<std::vector<std::string>> ids =
      db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<std::string>> {
        std::vector<std::string> out;
        for (const auto& row : tx.exec_prepared("pi_stock_wire_open_stream_products")) {
          out.push_back(row[0].as<std::string>());
        }
        return out;
      });
  if (!ids.ok()) {
    log::Warn("stock_events_open_streams_failed").Kv("status", ids.status().ToString());
    return false;
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (std::string& id : *ids) dirty_.insert(std::move(id));
  return true;
}

void StockEvents::Run() {
  while (true) {
    if (!open_streams_marked_) open_streams_marked_ = MarkOpenStreams();
    absl::Status s = FlushOnce();
    if (!s.ok()) log::Warn("stock_events_failed").Kv("status", s.ToString());
    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_) break;
    wake_.wait_for(lock, absl::ToChronoNanoseconds(options_.interval),
                   [this] { return stopping_; });
    if (stopping_) break;
  }
  // The drained calls' last changes still reach the rooms.
  absl::Status s = FlushOnce();
  if (!s.ok()) log::Warn("stock_events_failed").Kv("status", s.ToString());
}

absl::Status StockEvents::FlushOnce() {
  std::lock_guard<std::mutex> round(flush_mu_);
  std::vector<std::string> ids;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ids.assign(dirty_.begin(), dirty_.end());
    dirty_.clear();
  }
  if (ids.empty()) return absl::OkStatus();
  // Which of them belong to a stream (only those have a room).
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> streams = db::InTransaction(
      pool_,
      [&](pqxx::work& tx) -> absl::StatusOr<std::vector<std::pair<std::string, std::string>>> {
        std::vector<std::pair<std::string, std::string>> out;
        for (const auto& row :
             tx.exec_prepared("pi_stock_wire_product_facts", db::TextArray(ids))) {
          std::string stream = row[2].as<std::string>();
          if (!stream.empty()) out.emplace_back(row[0].as<std::string>(), std::move(stream));
        }
        return out;
      });
  if (!streams.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    for (std::string& id : ids) dirty_.insert(std::move(id));
    return streams.status();
  }
  absl::Status first_error;
  for (const auto& [product, stream] : *streams) {
    absl::StatusOr<bool> written = Announce(product, stream);
    if (!written.ok()) {
      // Tried again next round.
      MarkDirty(product);
      if (first_error.ok()) first_error = written.status();
      continue;
    }
    if (*written) {
      std::lock_guard<std::mutex> lock(mu_);
      ++events_written_;
    }
  }
  return first_error;
}

absl::StatusOr<bool> StockEvents::Announce(const std::string& product_id,
                                           const std::string& stream_id) {
  const absl::Time now = clock_();
  Announced before = announced_[product_id];
  Announced after = before;
  absl::StatusOr<bool> written =
      db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<bool> {
        // Lapsing first takes the row lock and bumps the revision if holds ran out, so the stock
        // read next is committed, current, and its revision says so.
        tx.exec_prepared("pi_stock_lapse", product_id, pg::Time(now));
        const std::vector<StockLevel> levels = tx::GetStock(tx, {product_id}, now);
        if (levels.empty()) return false;
        const StockLevel& s = levels[0];
        if (s.revision <= before.revision) return false;
        const int64_t available = s.available;
        realtime_push::v1::RoomEvent event;
        event.set_stream_id(stream_id);
        ToProto(now, event.mutable_occurred_at());
        realtime_push::v1::StockChanged* c = event.mutable_stock_changed();
        c->set_product_id(product_id);
        c->set_available(available);
        c->set_held(s.held);
        c->set_sold(s.sold);
        c->set_total(s.total);
        c->set_sold_out(s.total > 0 && available == 0);
        c->set_revision(s.revision);
        if (s.flash_sale)
          *c->mutable_flash_sale() = FlashSaleCardOf(FlashSaleOf(*s.flash_sale, now));
        EnqueueRoomEvent(tx, stream_id,
                         TypeOf(before.available, available, s.total, options_.low_threshold),
                         event);
        after.available = available;
        after.revision = s.revision;
        return true;
      });
  if (written.ok() && *written) announced_[product_id] = after;
  return written;
}

}  // namespace shopcast::product_inventory::stock
