#include "lottery/lottery_store.h"

#include <optional>
#include <pqxx/binarystring>
#include <pqxx/pqxx>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/pg_time.h"
#include "common/room_events.h"
#include "common/streams.h"
#include "common/user_notifications.h"
#include "lottery/lottery_sql.h"
#include "lottery/won_notice.h"
#include "lottery_rules/draw.h"
#include "shopcast/db/errors.h"
#include "shopcast/db/transaction.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"
#include "stock/stock_tx.h"

namespace shopcast::product_inventory::lottery {
namespace {

namespace rp = ::shopcast::realtime_push::v1;

constexpr int kRunning = 1;
constexpr int kDrawn = 2;
constexpr int kCancelled = 3;

constexpr char kStreamEnded[] = "video_ingest.stream_ended";

// A lottery row as stored.
struct Record {
  std::string id;
  std::string product_id;
  std::string stream_id;
  std::string seller_id;
  bool drawn = false;
  bool cancelled = false;
  int32_t units = 0;
  int64_t unit_price_minor = 0;
  std::string currency;
  absl::Time opens_at;
  absl::Time closes_at;
  absl::Duration winner_hold;
  std::string seed;
  std::string commitment;
  int64_t entrant_count = 0;  // drawn only
  std::string entrants_digest;
  int32_t winner_count = 0;
  absl::Time drawn_at;
  int64_t version = 0;
  absl::Time created_at;
  absl::Time cancelled_at;  // cancelled only
  std::string cancel_reason;
};

pqxx::binarystring Blob(const std::string& bytes) {
  return pqxx::binarystring(bytes.data(), bytes.size());
}

std::string BytesOf(const pqxx::field& f) { return pqxx::binarystring(f).str(); }

bool IsAdmin(const auth::Caller& caller) { return caller.role == auth::Role::kAdmin; }

// The server's time at the columns' precision, so an answer equals a later read.
absl::Time Now() { return TruncateToMicros(absl::Now()); }

Record FromRow(const pqxx::row& r) {
  Record l;
  l.id = r[0].as<std::string>();
  l.product_id = r[1].as<std::string>();
  l.stream_id = r[2].as<std::string>();
  l.seller_id = r[3].as<std::string>();
  l.drawn = r[4].as<int>() == kDrawn;
  l.cancelled = r[4].as<int>() == kCancelled;
  l.units = r[5].as<int32_t>();
  l.unit_price_minor = r[6].as<int64_t>();
  l.currency = r[7].as<std::string>();
  l.opens_at = FromMicros(r[8].as<int64_t>());
  l.closes_at = FromMicros(r[9].as<int64_t>());
  l.winner_hold = absl::Seconds(r[10].as<int64_t>());
  l.seed = BytesOf(r[11]);
  l.commitment = BytesOf(r[12]);
  l.entrant_count = r[13].as<int64_t>();
  l.entrants_digest = BytesOf(r[14]);
  l.winner_count = r[15].as<int32_t>();
  const int64_t drawn_us = r[16].as<int64_t>();
  if (drawn_us != 0) l.drawn_at = FromMicros(drawn_us);
  l.version = r[17].as<int64_t>();
  l.created_at = FromMicros(r[18].as<int64_t>());
  const int64_t cancelled_us = r[19].as<int64_t>();
  if (cancelled_us != 0) l.cancelled_at = FromMicros(cancelled_us);
  l.cancel_reason = r[20].as<std::string>();
  return l;
}

v1::LotteryStatus StatusAt(const Record& l, absl::Time now) {
  if (l.drawn) return v1::LOTTERY_STATUS_DRAWN;
  if (l.cancelled) return v1::LOTTERY_STATUS_CANCELLED;
  if (now < l.opens_at) return v1::LOTTERY_STATUS_SCHEDULED;
  if (now < l.closes_at) return v1::LOTTERY_STATUS_OPEN;
  return v1::LOTTERY_STATUS_CLOSED;
}

int64_t CountEntries(pqxx::work& tx, const std::string& lottery_id) {
  return tx.exec_prepared1("pi_lot_count_entries", lottery_id)[0].as<int64_t>();
}

std::vector<std::string> Entrants(pqxx::work& tx, const std::string& lottery_id) {
  std::vector<std::string> out;
  for (const auto& row : tx.exec_prepared("pi_lot_entrants", lottery_id)) {
    out.push_back(row[0].as<std::string>());
  }
  return out;
}

// The API view of `l`. Running: the live entry count; drawn: winners and the audit (the
// entrant list only when asked for). The seed never leaves before the draw.
v1::Lottery LotteryToProto(pqxx::work& tx, const Record& l, const auth::Caller* caller,
                           bool include_entrants, absl::Time now) {
  v1::Lottery out;
  out.set_id(l.id);
  out.set_product_id(l.product_id);
  out.set_stream_id(l.stream_id);
  out.set_seller_id(l.seller_id);
  out.set_status(StatusAt(l, now));
  out.set_units(l.units);
  out.mutable_unit_price()->set_amount_minor(l.unit_price_minor);
  out.mutable_unit_price()->set_currency(l.currency);
  ToProto(l.opens_at, out.mutable_opens_at());
  ToProto(l.closes_at, out.mutable_closes_at());
  out.mutable_winner_hold_duration()->set_seconds(absl::ToInt64Seconds(l.winner_hold));
  out.set_commitment_hex(lottery_rules::ToHex(l.commitment));
  out.set_version(l.version);
  ToProto(l.created_at, out.mutable_created_at());
  if (caller != nullptr) {
    out.set_entered(!tx.exec_prepared("pi_lot_select_entry", l.id, caller->user_id).empty());
  }
  if (l.cancelled) {
    ToProto(l.cancelled_at, out.mutable_cancelled_at());
    out.set_cancel_reason(l.cancel_reason);
  }
  if (!l.drawn) {
    out.set_entrant_count(CountEntries(tx, l.id));
    return out;
  }
  out.set_entrant_count(l.entrant_count);
  v1::LotteryAudit* audit = out.mutable_audit();
  audit->set_algorithm(lottery_rules::kAlgorithm);
  audit->set_seed_hex(lottery_rules::ToHex(l.seed));
  audit->set_commitment_hex(lottery_rules::ToHex(l.commitment));
  audit->set_entrants_digest_hex(lottery_rules::ToHex(l.entrants_digest));
  audit->set_entrant_count(l.entrant_count);
  ToProto(l.drawn_at, audit->mutable_drawn_at());
  for (const auto& row : tx.exec_prepared("pi_lot_winners", l.id)) {
    v1::LotteryWinner* w = out.add_winners();
    w->set_user_id(row[0].as<std::string>());
    w->set_rank(row[1].as<int32_t>());
    w->set_reservation_id(row[2].as<std::string>());
    audit->add_winner_ids(w->user_id());
  }
  if (include_entrants) {
    for (std::string& e : Entrants(tx, l.id)) audit->add_entrant_ids(std::move(e));
  }
  return out;
}

rp::LotteryState RoomStateOf(const Record& l, int64_t entrant_count) {
  rp::LotteryState s;
  s.set_lottery_id(l.id);
  s.set_product_id(l.product_id);
  s.set_units(l.units);
  ToProto(l.opens_at, s.mutable_opens_at());
  ToProto(l.closes_at, s.mutable_closes_at());
  s.set_commitment_hex(lottery_rules::ToHex(l.commitment));
  s.set_entrant_count(entrant_count);
  s.set_drawn(l.drawn);
  s.set_cancelled(l.cancelled);
  s.set_version(l.version);
  return s;
}

// A room event about `l`, when it belongs to a stream (catalogue lotteries have no room).
void Announce(pqxx::work& tx, const Record& l, absl::string_view type, rp::RoomEvent event,
              absl::Time now) {
  if (l.stream_id.empty()) return;
  event.set_stream_id(l.stream_id);
  ToProto(now, event.mutable_occurred_at());
  EnqueueRoomEvent(tx, l.stream_id, type, event);
}

// The winner's hold on one unit at the lottery's price (stock::tx::GrantHold, source LOTTERY,
// idempotent per (winner, lottery id)); its res_ id. The units were just given back under the
// stock row's lock, so a refusal is not expected; should one come (a product whose stock row
// changed shape), the winner is recorded without a hold and the draw stands — a draw that could
// never commit would block the lottery forever. Database errors roll the draw back (retried).
absl::StatusOr<std::string> HoldForWinner(pqxx::work& tx, const Record& l,
                                          const std::string& winner, absl::Time now) {
  stock::GrantHoldRequest req;
  req.product_id = l.product_id;
  req.buyer_id = winner;
  req.quantity = 1;
  req.unit_price_minor = l.unit_price_minor;
  req.expires_at = now + l.winner_hold;
  req.source = stock::HoldSource::kLottery;
  req.source_ref = l.id;
  // lot_ + 26 characters: within the key's 64, and one per winner and lottery.
  req.idempotency_key = l.id;
  // The draw already decided; a purchase limit does not take a won unit back.
  req.enforce_limit = false;
  absl::StatusOr<stock::GrantResult> granted = stock::tx::GrantHold(tx, req, now);
  if (granted.ok()) return granted->hold.id;
  const absl::StatusCode code = granted.status().code();
  if (code == absl::StatusCode::kInvalidArgument || code == absl::StatusCode::kFailedPrecondition ||
      code == absl::StatusCode::kResourceExhausted || code == absl::StatusCode::kNotFound) {
    log::Warn("lottery_winner_hold_refused")
        .Kv("lottery_id", l.id)
        .Kv("winner", winner)
        .Kv("reason", ReasonOf(granted.status()));
    return std::string();
  }
  return granted.status();
}

// Draws `l` (locked FOR UPDATE by the caller, still running, its window over): the one path
// of the drawer and of DrawLottery.
absl::Status FinishDraw(pqxx::work& tx, Record& l, absl::Time now) {
  const std::vector<std::string> entrants = Entrants(tx, l.id);
  absl::StatusOr<lottery_rules::DrawResult> drawn = lottery_rules::Draw(l.seed, entrants, l.units);
  if (!drawn.ok()) {
    // The seed is ours and entries are unique by key: a failure here is a broken row.
    return absl::InternalError(
        absl::StrCat("lottery draw failed: ", l.id, ": ", drawn.status().message()));
  }
  // The units come back into the total and the winners' go straight into holds, under the
  // stock row's lock taken by the first statement: nobody can buy them in between.
  RETURN_IF_ERROR(stock::tx::AdjustTotal(tx, l.product_id, l.units, now).status());
  std::optional<std::string> title;  // read once, for the first winner told
  for (size_t i = 0; i < drawn->winners.size(); ++i) {
    ASSIGN_OR_RETURN(std::string reservation_id, HoldForWinner(tx, l, drawn->winners[i], now));
    tx.exec_prepared0("pi_lot_mark_winner", l.id, drawn->winners[i], static_cast<int>(i + 1),
                      reservation_id);
    if (reservation_id.empty()) continue;  // no hold, nothing to check out
    // Told personally, committed with the draw.
    if (!title) {
      pqxx::result t = tx.exec_prepared("pi_lot_product_title", l.product_id);
      title = t.empty() ? std::string() : t[0][0].as<std::string>();
    }
    lottery::LotteryWonNotice won;
    won.product_id = l.product_id;
    won.product_title = *title;
    won.stream_id = l.stream_id;
    won.price.set_amount_minor(l.unit_price_minor);
    won.price.set_currency(l.currency);
    won.hold_until = now + l.winner_hold;
    EnqueueUserNotification(tx, drawn->winners[i], lottery::kLotteryWonType,
                            lottery::LotteryWonNotification(won));
  }
  l.drawn = true;
  l.entrant_count = static_cast<int64_t>(entrants.size());
  l.entrants_digest = drawn->entrants_digest;
  l.winner_count = static_cast<int32_t>(drawn->winners.size());
  l.drawn_at = now;
  l.version = tx.exec_prepared1("pi_lot_mark_drawn", l.id, l.entrant_count, Blob(l.entrants_digest),
                                l.winner_count, absl::ToUnixMicros(now))[0]
                  .as<int64_t>();
  rp::RoomEvent event;
  rp::LotteryDrawn* d = event.mutable_lottery_drawn();
  *d->mutable_lottery() = RoomStateOf(l, l.entrant_count);
  d->set_winner_count(l.winner_count);
  for (const std::string& w : drawn->winners) d->add_winner_ids(w);
  d->set_seed_hex(lottery_rules::ToHex(l.seed));
  d->set_entrants_digest_hex(lottery_rules::ToHex(l.entrants_digest));
  Announce(tx, l, "lottery_drawn", std::move(event), now);
  return absl::OkStatus();
}

// Calls off `l` (locked FOR UPDATE by the caller, running): the one path of CancelLottery and
// of the stream's end. The set-aside units come back into the total (under the stock row's
// lock), the entries are marked, nobody wins and the seed stays secret.
absl::Status FinishCancel(pqxx::work& tx, Record& l, absl::string_view reason, absl::Time now) {
  RETURN_IF_ERROR(stock::tx::AdjustTotal(tx, l.product_id, l.units, now).status());
  tx.exec_prepared0("pi_lot_cancel_entries", l.id, absl::ToUnixMicros(now));
  l.cancelled = true;
  l.cancelled_at = now;
  l.cancel_reason = std::string(reason);
  l.version =
      tx.exec_prepared1("pi_lot_mark_cancelled", l.id, absl::ToUnixMicros(now), l.cancel_reason)[0]
          .as<int64_t>();
  rp::RoomEvent event;
  rp::LotteryCancelled* c = event.mutable_lottery_cancelled();
  *c->mutable_lottery() = RoomStateOf(l, CountEntries(tx, l.id));
  c->set_reason(l.cancel_reason);
  Announce(tx, l, "lottery_cancelled", std::move(event), now);
  return absl::OkStatus();
}

absl::Status LotteryCancelledError() {
  return Error(absl::StatusCode::kFailedPrecondition, "LOTTERY_CANCELLED",
               "the lottery was cancelled");
}

}  // namespace

LotteryStore::LotteryStore(db::Pool& pool, IdMaker new_id, StockChanged stock_changed,
                           Options options)
    : pool_(pool),
      new_id_(std::move(new_id)),
      stock_changed_(std::move(stock_changed)),
      options_(options) {}

absl::StatusOr<v1::Lottery> LotteryStore::Start(const auth::Caller& caller,
                                                const StartParams& params) {
  bool created = false;
  auto started = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Lottery> {
    created = false;
    const absl::Time now = Now();
    pqxx::result earlier = tx.exec_prepared("pi_lot_by_start_key", caller.user_id, params.key);
    if (!earlier.empty()) {
      Record l = FromRow(earlier[0]);
      if (l.product_id != params.product_id) {
        return Error(absl::StatusCode::kFailedPrecondition, "IDEMPOTENCY_KEY_REUSED",
                     "this idempotency_key started a lottery of another product");
      }
      return LotteryToProto(tx, l, &caller, false, now);
    }
    pqxx::result p = tx.exec_prepared("pi_lot_lock_product", params.product_id);
    if (p.empty()) return NotFound("PRODUCT_NOT_FOUND", "no such product");
    Record l;
    l.seller_id = p[0][0].as<std::string>();
    l.stream_id = p[0][1].as<std::string>();
    if (l.seller_id != caller.user_id && !IsAdmin(caller)) {
      return PermissionDenied("NOT_PRODUCT_OWNER", "only the product's seller starts a lottery");
    }
    if (p[0][3].as<int>() != v1::SALE_MODE_FIXED_PRICE) {
      return Error(absl::StatusCode::kFailedPrecondition, "PRODUCT_IS_AUCTION",
                   "an auction product is sold by auction, not by lottery");
    }
    if (p[0][2].as<int>() != v1::PRODUCT_STATUS_LISTED) {
      return Error(absl::StatusCode::kFailedPrecondition, "PRODUCT_NOT_LISTED",
                   "only a listed product can be drawn");
    }
    if (!l.stream_id.empty()) {
      std::optional<StreamInfo> stream = LookupStream(tx, l.stream_id);
      if (!stream || stream->ended ||
          (stream->status != common::v1::STREAM_STATUS_LIVE &&
           stream->status != common::v1::STREAM_STATUS_RECONNECTING)) {
        return Error(absl::StatusCode::kFailedPrecondition, "STREAM_NOT_LIVE",
                     "lotteries run only while the product's stream is live");
      }
    }
    if (!tx.exec_prepared("pi_lot_running_of_product", params.product_id).empty()) {
      return Error(absl::StatusCode::kFailedPrecondition, "LOTTERY_ALREADY_RUNNING",
                   "the product already has a running lottery");
    }
    // Out of the sellable stock from now on; INSUFFICIENT_AVAILABLE_STOCK when not there.
    RETURN_IF_ERROR(stock::tx::AdjustTotal(tx, params.product_id, -params.units, now).status());
    l.id = new_id_("lot");
    l.product_id = params.product_id;
    l.units = params.units;
    l.unit_price_minor = p[0][4].as<int64_t>();
    l.currency = p[0][5].as<std::string>();
    l.opens_at = TruncateToMicros(params.opens_at);
    l.closes_at = TruncateToMicros(params.closes_at);
    l.winner_hold = params.winner_hold;
    l.seed = lottery_rules::NewSeed();
    l.commitment = lottery_rules::Commitment(l.seed);
    l.version = 1;
    l.created_at = now;
    tx.exec_prepared0("pi_lot_insert", l.id, l.product_id, l.stream_id, l.seller_id, l.units,
                      l.unit_price_minor, l.currency, absl::ToUnixMicros(l.opens_at),
                      absl::ToUnixMicros(l.closes_at), absl::ToInt64Seconds(l.winner_hold),
                      Blob(l.seed), Blob(l.commitment), absl::ToUnixMicros(now), caller.user_id,
                      params.key);
    rp::RoomEvent event;
    *event.mutable_lottery_opened()->mutable_lottery() = RoomStateOf(l, 0);
    Announce(tx, l, "lottery_opened", std::move(event), now);
    created = true;
    return LotteryToProto(tx, l, &caller, false, now);
  });
  // Two starts of one product raced past the check: the index decides.
  if (!started.ok() && db::ConstraintOf(started.status()) == "lotteries_running_product_key") {
    return Error(absl::StatusCode::kFailedPrecondition, "LOTTERY_ALREADY_RUNNING",
                 "the product already has a running lottery");
  }
  if (started.ok() && created && stock_changed_) stock_changed_(params.product_id);
  return started;
}

absl::StatusOr<Entry> LotteryStore::Enter(const auth::Caller& caller,
                                          const std::string& lottery_id) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Entry> {
    pqxx::result r = tx.exec_prepared("pi_lot_share", lottery_id);
    if (r.empty()) return NotFound("LOTTERY_NOT_FOUND", "no such lottery");
    const Record l = FromRow(r[0]);
    // After the lock: a draw that got the row first has committed, and this entry sees it.
    const absl::Time now = Now();
    Entry entry;
    pqxx::result mine = tx.exec_prepared("pi_lot_select_entry", l.id, caller.user_id);
    if (!mine.empty()) {
      entry.already_entered = true;
      entry.entered_at = FromMicros(mine[0][0].as<int64_t>());
      entry.lottery = LotteryToProto(tx, l, &caller, false, now);
      return entry;
    }
    if (caller.user_id == l.seller_id) {
      return PermissionDenied("SELLER_CANNOT_ENTER", "the seller cannot enter their own lottery");
    }
    if (l.cancelled) return LotteryCancelledError();
    if (l.drawn || now >= l.closes_at) {
      return Error(absl::StatusCode::kFailedPrecondition, "LOTTERY_CLOSED",
                   "the lottery's entry window has closed");
    }
    if (now < l.opens_at) {
      return Error(absl::StatusCode::kFailedPrecondition, "LOTTERY_NOT_OPEN_YET",
                   "the lottery's entry window has not opened yet");
    }
    if (CountEntries(tx, l.id) >= options_.max_entrants) {
      return Error(absl::StatusCode::kResourceExhausted, "LOTTERY_FULL",
                   "the lottery takes no more entries");
    }
    pqxx::result inserted =
        tx.exec_prepared("pi_lot_insert_entry", l.id, caller.user_id, absl::ToUnixMicros(now));
    if (inserted.empty()) {
      // A concurrent request of the same user got in first: theirs is the entry.
      entry.already_entered = true;
      entry.entered_at = FromMicros(
          tx.exec_prepared1("pi_lot_select_entry", l.id, caller.user_id)[0].as<int64_t>());
    } else {
      entry.entered_at = FromMicros(inserted[0][0].as<int64_t>());
    }
    entry.lottery = LotteryToProto(tx, l, &caller, false, now);
    return entry;
  });
}

absl::StatusOr<v1::Lottery> LotteryStore::Get(const std::string& lottery_id,
                                              const auth::Caller* caller, bool include_entrants) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Lottery> {
    pqxx::result r = tx.exec_prepared("pi_lot_select", lottery_id);
    if (r.empty()) return NotFound("LOTTERY_NOT_FOUND", "no such lottery");
    return LotteryToProto(tx, FromRow(r[0]), caller, include_entrants, Now());
  });
}

absl::StatusOr<Page<v1::Lottery>> LotteryStore::List(const std::string& stream_id,
                                                     const auth::Caller* caller,
                                                     const pagetoken::Cursor& after, int limit) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Page<v1::Lottery>> {
    pqxx::result r = tx.exec_prepared("pi_lot_list", stream_id, after.key, after.id, limit + 1);
    const absl::Time now = Now();
    Page<v1::Lottery> page;
    for (int i = 0; i < static_cast<int>(r.size()) && i < limit; ++i) {
      const Record l = FromRow(r[i]);
      page.items.push_back(LotteryToProto(tx, l, caller, false, now));
      if (i + 1 == limit && static_cast<int>(r.size()) > limit) {
        page.next = pagetoken::Cursor{absl::ToUnixMicros(l.created_at), l.id};
      }
    }
    return page;
  });
}

absl::StatusOr<v1::Lottery> LotteryStore::Draw(const auth::Caller& caller,
                                               const std::string& lottery_id) {
  std::string changed_product;
  auto drawn = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Lottery> {
    changed_product.clear();
    pqxx::result r = tx.exec_prepared("pi_lot_lock", lottery_id);
    if (r.empty()) return NotFound("LOTTERY_NOT_FOUND", "no such lottery");
    Record l = FromRow(r[0]);
    if (l.seller_id != caller.user_id && !IsAdmin(caller)) {
      return PermissionDenied("NOT_LOTTERY_OWNER", "only the lottery's seller draws it");
    }
    const absl::Time now = Now();
    if (l.cancelled) return LotteryCancelledError();
    if (!l.drawn) {
      if (now < l.closes_at) {
        return Error(absl::StatusCode::kFailedPrecondition, "LOTTERY_STILL_OPEN",
                     "a lottery is drawn only after its entry window closed");
      }
      RETURN_IF_ERROR(FinishDraw(tx, l, now));
      changed_product = l.product_id;
      log::Info("lottery_drawn").Kv("lottery_id", l.id).Kv("by", "host");
    }
    return LotteryToProto(tx, l, &caller, false, now);
  });
  if (drawn.ok() && !changed_product.empty() && stock_changed_) stock_changed_(changed_product);
  return drawn;
}

absl::StatusOr<v1::Lottery> LotteryStore::Cancel(const auth::Caller& caller,
                                                 const std::string& lottery_id) {
  std::string changed_product;
  auto cancelled = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Lottery> {
    changed_product.clear();
    // FOR UPDATE: waits for entries in flight and for a draw holding the row, so a cancel
    // either comes before the draw (and the drawer finds nothing running) or finds it drawn.
    pqxx::result r = tx.exec_prepared("pi_lot_lock", lottery_id);
    if (r.empty()) return NotFound("LOTTERY_NOT_FOUND", "no such lottery");
    Record l = FromRow(r[0]);
    if (l.seller_id != caller.user_id && !IsAdmin(caller)) {
      return PermissionDenied("NOT_LOTTERY_OWNER", "only the lottery's seller cancels it");
    }
    const absl::Time now = Now();
    if (l.drawn) {
      return Error(absl::StatusCode::kFailedPrecondition, "LOTTERY_ALREADY_DRAWN",
                   "the lottery was drawn: its winners hold their units (release the holds "
                   "instead)");
    }
    if (!l.cancelled) {
      RETURN_IF_ERROR(FinishCancel(tx, l, kCancelReasonHost, now));
      changed_product = l.product_id;
      log::Info("lottery_cancelled").Kv("lottery_id", l.id).Kv("reason", kCancelReasonHost);
    }
    return LotteryToProto(tx, l, &caller, false, now);
  });
  if (cancelled.ok() && !changed_product.empty() && stock_changed_) {
    stock_changed_(changed_product);
  }
  return cancelled;
}

absl::Status LotteryStore::OnPeerEvent(pqxx::work& tx, const common::v1::Event& event,
                                       absl::Time now) {
  if (event.type() != kStreamEnded) return absl::OkStatus();
  video_ingest::v1::StreamEnded ended;
  if (!event.payload().UnpackTo(&ended)) {
    return InvalidArgument("events.payload", "EVENT_PAYLOAD_INVALID",
                           "the event's payload is not its type's message");
  }
  const absl::Time at = TruncateToMicros(now);
  for (const auto& row : tx.exec_prepared("pi_lot_lock_running_of_stream", ended.stream_id())) {
    Record l = FromRow(row);
    // A window already over was entered in full: its entrants are owed the draw the drawer
    // was about to make. One still open (or not yet open) cannot be finished fairly once the
    // show is over, so it is called off and its units go back on sale.
    const bool due = l.closes_at <= at;
    if (due) {
      RETURN_IF_ERROR(FinishDraw(tx, l, at));
    } else {
      RETURN_IF_ERROR(FinishCancel(tx, l, kCancelReasonStreamEnded, at));
    }
    log::Info(due ? "lottery_drawn" : "lottery_cancelled")
        .Kv("lottery_id", l.id)
        .Kv("by", "stream_ended");
    // The handler's transaction commits after this returns, with no seam after it: the mark
    // is set now, and the announcer reads committed stock, so at worst the room sees this
    // change with the product's next one (the lottery's own room event says what happened).
    if (stock_changed_) stock_changed_(l.product_id);
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> LotteryStore::DrawOneDue() {
  std::string changed_product;
  auto drawn = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<bool> {
    changed_product.clear();
    const absl::Time now = Now();
    pqxx::result r = tx.exec_prepared("pi_lot_claim_due", absl::ToUnixMicros(now));
    if (r.empty()) return false;
    Record l = FromRow(r[0]);
    RETURN_IF_ERROR(FinishDraw(tx, l, now));
    changed_product = l.product_id;
    log::Info("lottery_drawn")
        .Kv("lottery_id", l.id)
        .Kv("by", "drawer")
        .Kv("entrants", l.entrant_count)
        .Kv("winners", l.winner_count);
    return true;
  });
  if (drawn.ok() && !changed_product.empty() && stock_changed_) stock_changed_(changed_product);
  return drawn;
}

absl::Status LotteryStore::AnnounceEntries(const std::string& lottery_id) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_prepared("pi_lot_select", lottery_id);
    if (r.empty()) return absl::OkStatus();
    const Record l = FromRow(r[0]);
    if (l.drawn || l.cancelled || l.stream_id.empty()) return absl::OkStatus();
    rp::RoomEvent event;
    rp::LotteryEntries* e = event.mutable_lottery_entries();
    e->set_lottery_id(l.id);
    e->set_product_id(l.product_id);
    e->set_entrant_count(CountEntries(tx, l.id));
    Announce(tx, l, "lottery_entries", std::move(event), Now());
    return absl::OkStatus();
  });
}

}  // namespace shopcast::product_inventory::lottery
