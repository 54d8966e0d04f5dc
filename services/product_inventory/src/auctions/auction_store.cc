#include "auctions/auction_store.h"

#include <algorithm>
#include <pqxx/binarystring>
#include <pqxx/pqxx>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "auctions/auction_sql.h"
#include "auctions/outbid_notice.h"
#include "auctions/won_notice.h"
#include "common/pg_time.h"
#include "common/room_events.h"
#include "common/streams.h"
#include "common/user_notifications.h"
#include "google/protobuf/util/time_util.h"
#include "shopcast/db/errors.h"
#include "shopcast/db/transaction.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"

namespace shopcast::product_inventory::auctions {
namespace {

constexpr char kBidKind[] = "bid";
constexpr char kBuyNowKind[] = "buy_now";
constexpr char kStreamEnded[] = "video_ingest.stream_ended";

pqxx::binarystring Blob(const std::string& bytes) {
  return pqxx::binarystring(bytes.data(), bytes.size());
}

std::string BytesOf(const pqxx::field& f) { return pqxx::binarystring(f).str(); }

bool IsAdmin(const auth::Caller& caller) { return caller.role == auth::Role::kAdmin; }

// The server's time of a change, at the column's precision, so what a caller is answered
// equals what a later read gives.
absl::Time Now() { return TruncateToMicros(absl::Now()); }

AuctionRecord AuctionFromRow(const pqxx::row& r) {
  AuctionRecord a;
  a.id = r[0].as<std::string>();
  a.product_id = r[1].as<std::string>();
  a.stream_id = r[2].as<std::string>();
  a.seller_id = r[3].as<std::string>();
  rules::AuctionState& s = a.state;
  s.status = r[4].as<int>() == v1::AUCTION_STATUS_OPEN ? rules::AuctionStatus::kOpen
                                                       : rules::AuctionStatus::kClosed;
  a.settings.ParseFromString(BytesOf(r[5]));
  s.started_at = FromMicros(r[6].as<int64_t>());
  s.original_ends_at = FromMicros(r[7].as<int64_t>());
  s.ends_at = FromMicros(r[8].as<int64_t>());
  s.extension_count = r[9].as<int>();
  const std::string leader = r[10].as<std::string>();
  if (!leader.empty()) s.leader = rules::Leader{leader, r[11].as<int64_t>()};
  s.price_minor = r[12].as<int64_t>();
  s.bid_count = r[13].as<int>();
  s.outcome = OutcomeFromProto(r[14].as<int>());
  s.winner_id = r[15].as<std::string>();
  s.winning_minor = r[16].as<int64_t>();
  a.winner_reservation_id = r[17].as<std::string>();
  const int64_t closed_us = r[18].as<int64_t>();
  if (closed_us != 0) s.closed_at = FromMicros(closed_us);
  a.version = r[19].as<int64_t>();
  return a;
}

// The terms of a stored auction; they were checked at start, so a failure here is a broken row.
absl::StatusOr<rules::AuctionTerms> StoredTerms(const AuctionRecord& a) {
  auto terms = TermsOf(a.seller_id, a.settings);
  if (!terms.ok()) {
    return absl::InternalError(
        absl::StrCat("stored auction terms invalid: ", a.id, ": ", terms.status().message()));
  }
  return terms;
}

absl::StatusOr<AuctionRecord> LockAuction(pqxx::work& tx, const std::string& id) {
  pqxx::result r = tx.exec_prepared("pi_auc_lock", id);
  if (r.empty()) return NotFound("AUCTION_NOT_FOUND", "no such auction");
  return AuctionFromRow(r[0]);
}

// Writes the state of `a` back and bumps its version (into `a`).
void Save(pqxx::work& tx, AuctionRecord& a) {
  const rules::AuctionState& s = a.state;
  const bool open = s.status == rules::AuctionStatus::kOpen;
  pqxx::result r = tx.exec_prepared(
      "pi_auc_update", a.id,
      static_cast<int>(open ? v1::AUCTION_STATUS_OPEN : v1::AUCTION_STATUS_CLOSED),
      absl::ToUnixMicros(s.ends_at), s.extension_count, s.leader ? s.leader->bidder_id : "",
      s.leader ? s.leader->max_minor : 0, s.price_minor, s.bid_count,
      static_cast<int>(OutcomeToProto(s.outcome)), s.winner_id, s.winning_minor,
      a.winner_reservation_id, open ? int64_t{0} : absl::ToUnixMicros(s.closed_at));
  a.version = r[0][0].as<int64_t>();
}

// A room event about `a`, when it belongs to a stream (catalogue auctions have no room).
void Announce(pqxx::work& tx, const AuctionRecord& a, absl::string_view type,
              realtime_push::v1::RoomEvent event, absl::Time now) {
  if (a.stream_id.empty()) return;
  event.set_stream_id(a.stream_id);
  ToProto(now, event.mutable_occurred_at());
  EnqueueRoomEvent(tx, a.stream_id, type, event);
}

realtime_push::v1::AuctionResult ResultOf(rules::AuctionOutcome outcome) {
  switch (outcome) {
    case rules::AuctionOutcome::kSold:
      return realtime_push::v1::AUCTION_RESULT_SOLD;
    case rules::AuctionOutcome::kBoughtNow:
      return realtime_push::v1::AUCTION_RESULT_BOUGHT_NOW;
    case rules::AuctionOutcome::kCancelled:
      return realtime_push::v1::AUCTION_RESULT_CANCELLED;
    default:
      return realtime_push::v1::AUCTION_RESULT_NO_SALE;
  }
}

common::v1::Money MoneyOf(int64_t minor, const std::string& currency) {
  common::v1::Money m;
  m.set_amount_minor(minor);
  m.set_currency(currency);
  return m;
}

// The stored answer of an earlier request with this (caller, kind, key), if any.
absl::StatusOr<std::optional<std::string>> EarlierAnswer(pqxx::work& tx, const auth::Caller& caller,
                                                         const char* kind, const std::string& key,
                                                         const std::string& auction_id) {
  pqxx::result r = tx.exec_prepared("pi_auc_select_request", caller.user_id, kind, key);
  if (r.empty()) return std::optional<std::string>();
  if (r[0][0].as<std::string>() != auction_id) {
    return Error(absl::StatusCode::kFailedPrecondition, "IDEMPOTENCY_KEY_REUSED",
                 "this idempotency_key was used for another auction");
  }
  return std::optional<std::string>(BytesOf(r[0][1]));
}

void RememberAnswer(pqxx::work& tx, const auth::Caller& caller, const char* kind,
                    const std::string& key, const std::string& auction_id,
                    const std::string& answer, absl::Time now) {
  tx.exec_prepared0("pi_auc_insert_request", caller.user_id, kind, key, auction_id, Blob(answer),
                    absl::ToUnixMicros(now));
}

// How a close treats a winner's hold the stock area refuses (no unit left: the lot was written
// off or held meanwhile, or the product has no stock).
enum class Refusal {
  kFail,    // BuyNow: the buyer is told, the auction stays open.
  kRecord,  // Every other close: the outcome is recorded without a hold (and logged), so
            // the closer is never stuck retrying an auction that cannot end otherwise.
};

// What a personal notice about auction `a` names of its lot (the product's title read now).
NoticeLot LotOf(pqxx::work& tx, const AuctionRecord& a) {
  NoticeLot lot{a.id, a.product_id, "", a.stream_id};
  pqxx::result title = tx.exec_prepared("pi_auc_product_title", a.product_id);
  if (!title.empty()) lot.product_title = title[0][0].as<std::string>();
  return lot;
}

// Closes `a` as `closed` says (already decided by the rules), makes the winner's hold, saves
// and announces it: the one path every close takes (host, buy-now, closer, stream end).
absl::Status FinishClose(pqxx::work& tx, AuctionHooks* hooks, AuctionRecord& a,
                         const rules::AuctionTerms& terms, rules::AuctionState closed,
                         Refusal refusal) {
  a.state = std::move(closed);
  const rules::AuctionState& s = a.state;
  const bool bought_now = s.outcome == rules::AuctionOutcome::kBoughtNow;
  if (hooks != nullptr && (s.outcome == rules::AuctionOutcome::kSold || bought_now)) {
    absl::StatusOr<std::string> hold = hooks->HoldForWinner(
        tx, a.product_id, s.winner_id, MoneyOf(s.winning_minor, terms.currency), a.id, bought_now,
        WinnerHoldOf(a.settings), s.closed_at);
    const bool refused =
        !hold.ok() && (hold.status().code() == absl::StatusCode::kFailedPrecondition ||
                       hold.status().code() == absl::StatusCode::kNotFound);
    if (refused && refusal == Refusal::kRecord) {
      // The refusal wrote nothing (stock_grant_hold answers, it does not raise), so the
      // transaction goes on.
      log::Warn("auction_winner_hold_refused")
          .Kv("auction_id", a.id)
          .Kv("product_id", a.product_id)
          .Kv("reason", ReasonOf(hold.status()));
    } else if (!hold.ok()) {
      return hold.status();
    } else {
      a.winner_reservation_id = *std::move(hold);
      // Told personally, committed with the close. Bought now: the buyer is at checkout.
      if (!bought_now) {
        WonNotice won;
        won.lot = LotOf(tx, a);
        won.price = MoneyOf(s.winning_minor, terms.currency);
        won.hold_until = s.closed_at + WinnerHoldOf(a.settings);
        EnqueueUserNotification(tx, s.winner_id, kWonNoticeType, WonNotification(won));
      }
    }
  }
  Save(tx, a);
  realtime_push::v1::RoomEvent event;
  auto* closed_event = event.mutable_auction_closed();
  *closed_event->mutable_auction() = RoomStateOf(a, terms);
  closed_event->set_result(ResultOf(s.outcome));
  if (!s.winner_id.empty()) {
    closed_event->mutable_winner()->set_user_id(s.winner_id);
    *closed_event->mutable_winning_amount() = MoneyOf(s.winning_minor, terms.currency);
  }
  Announce(tx, a, "auction_closed", std::move(event), s.closed_at);
  return absl::OkStatus();
}

}  // namespace

AuctionStore::AuctionStore(db::Pool& pool, IdMaker new_id, AuctionHooks* hooks,
                           int64_t price_ceiling_minor)
    : pool_(pool),
      new_id_(std::move(new_id)),
      hooks_(hooks),
      price_ceiling_minor_(price_ceiling_minor) {}

absl::StatusOr<v1::Auction> AuctionStore::Start(const auth::Caller& caller,
                                                const std::string& product_id,
                                                absl::Duration duration, const std::string& key) {
  auto started = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Auction> {
    pqxx::result earlier = tx.exec_prepared("pi_auc_by_start_key", caller.user_id, key);
    if (!earlier.empty()) {
      AuctionRecord a = AuctionFromRow(earlier[0]);
      if (a.product_id != product_id) {
        return Error(absl::StatusCode::kFailedPrecondition, "IDEMPOTENCY_KEY_REUSED",
                     "this idempotency_key started an auction of another product");
      }
      ASSIGN_OR_RETURN(rules::AuctionTerms terms, StoredTerms(a));
      return AuctionToProto(a, terms, /*reveal_reserve=*/true);
    }
    pqxx::result p = tx.exec_prepared("pi_auc_lock_product", product_id);
    if (p.empty()) return NotFound("PRODUCT_NOT_FOUND", "no such product");
    const std::string seller_id = p[0][0].as<std::string>();
    const std::string stream_id = p[0][1].as<std::string>();
    if (seller_id != caller.user_id && !IsAdmin(caller)) {
      return PermissionDenied("NOT_PRODUCT_OWNER", "only the product's seller starts its auction");
    }
    if (p[0][3].as<int>() != v1::SALE_MODE_AUCTION) {
      return Error(absl::StatusCode::kFailedPrecondition, "PRODUCT_NOT_AUCTION",
                   "the product is not sold by auction");
    }
    if (p[0][2].as<int>() != v1::PRODUCT_STATUS_LISTED) {
      return Error(absl::StatusCode::kFailedPrecondition, "PRODUCT_NOT_LISTED",
                   "only a listed product can be auctioned");
    }
    if (!stream_id.empty()) {
      std::optional<StreamInfo> stream = LookupStream(tx, stream_id);
      if (!stream || stream->ended ||
          (stream->status != common::v1::STREAM_STATUS_LIVE &&
           stream->status != common::v1::STREAM_STATUS_RECONNECTING)) {
        return Error(absl::StatusCode::kFailedPrecondition, "STREAM_NOT_LIVE",
                     "auctions run only while the product's stream is live");
      }
    }
    if (!tx.exec_prepared("pi_auc_open_of_product", product_id).empty()) {
      return Error(absl::StatusCode::kFailedPrecondition, "AUCTION_ALREADY_OPEN",
                   "the product already has an open auction");
    }
    if (hooks_ != nullptr) RETURN_IF_ERROR(hooks_->CheckLotAvailable(tx, product_id, Now()));
    v1::Product product;
    product.ParseFromString(BytesOf(p[0][4]));
    ASSIGN_OR_RETURN(v1::AuctionSettings settings,
                     FreezeSettings(product.auction_settings(), duration));
    ASSIGN_OR_RETURN(rules::AuctionTerms terms, TermsOf(seller_id, settings));
    const absl::Time now = Now();
    AuctionRecord a;
    a.id = new_id_("auc");
    a.product_id = product_id;
    a.stream_id = stream_id;
    a.seller_id = seller_id;
    a.settings = settings;
    a.state = rules::OpenAuction(now, DurationOf(settings));
    a.version = 1;
    tx.exec_prepared0("pi_auc_insert", a.id, product_id, stream_id, seller_id,
                      Blob(settings.SerializeAsString()), terms.currency, absl::ToUnixMicros(now),
                      absl::ToUnixMicros(a.state.ends_at), caller.user_id, key);
    realtime_push::v1::RoomEvent event;
    *event.mutable_auction_started()->mutable_auction() = RoomStateOf(a, terms);
    Announce(tx, a, "auction_started", std::move(event), now);
    return AuctionToProto(a, terms, /*reveal_reserve=*/true);
  });
  // Two starts of one product raced past the check: the index decides.
  if (!started.ok() && db::ConstraintOf(started.status()) == "auctions_open_product_key") {
    return Error(absl::StatusCode::kFailedPrecondition, "AUCTION_ALREADY_OPEN",
                 "the product already has an open auction");
  }
  return started;
}

absl::StatusOr<v1::PlaceBidResponse> AuctionStore::PlaceBid(const auth::Caller& caller,
                                                            const std::string& auction_id,
                                                            const common::v1::Money& amount,
                                                            const std::string& key) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::PlaceBidResponse> {
    ASSIGN_OR_RETURN(AuctionRecord a, LockAuction(tx, auction_id));
    // Under the lock: a concurrent retry of this key has committed or never will.
    ASSIGN_OR_RETURN(std::optional<std::string> earlier,
                     EarlierAnswer(tx, caller, kBidKind, key, auction_id));
    v1::PlaceBidResponse response;
    if (earlier) {
      response.ParseFromString(*earlier);
      return response;
    }
    ASSIGN_OR_RETURN(rules::AuctionTerms terms, StoredTerms(a));
    terms.max_bid_minor = price_ceiling_minor_;
    const absl::Time now = Now();
    const absl::Time old_end = a.state.ends_at;
    const int old_count = a.state.bid_count;
    ASSIGN_OR_RETURN(
        rules::BidResult result,
        rules::PlaceBid(
            terms, a.state,
            rules::BidRequest{caller.user_id,
                              rules::Money{amount.amount_minor(), amount.currency()}, now}));
    a.state = result.state;
    Save(tx, a);
    v1::Bid mine;
    mine.set_auction_id(a.id);
    mine.set_bidder_id(caller.user_id);
    *mine.mutable_amount() = amount;  // a raised maximum shows nobody a bid: no record, no id
    ToProto(now, mine.mutable_placed_at());
    for (size_t i = 0; i < result.records.size(); ++i) {
      const rules::BidRecord& rec = result.records[i];
      const bool extended = result.extended && i + 1 == result.records.size();
      const std::string id = new_id_("bid");
      tx.exec_prepared0("pi_auc_insert_bid", id, a.id, old_count + static_cast<int>(i) + 1,
                        rec.bidder_id, rec.amount_minor, rec.proxy, extended,
                        absl::ToUnixMicros(now));
      if (rec.bidder_id == caller.user_id) {
        mine.set_id(id);
        *mine.mutable_amount() = MoneyOf(rec.amount_minor, terms.currency);
        mine.set_extended_auction(extended);
      }
    }
    if (!result.records.empty()) {
      realtime_push::v1::RoomEvent event;
      auto* placed = event.mutable_auction_bid_placed();
      *placed->mutable_auction() = RoomStateOf(a, terms);
      *placed->mutable_amount() = MoneyOf(a.state.price_minor, terms.currency);
      ToProto(now, placed->mutable_placed_at());
      Announce(tx, a, "auction_bid_placed", std::move(event), now);
    }
    if (result.extended) {
      realtime_push::v1::RoomEvent event;
      auto* extended = event.mutable_auction_extended();
      *extended->mutable_auction() = RoomStateOf(a, terms);
      *extended->mutable_extended_by() = google::protobuf::util::TimeUtil::NanosecondsToDuration(
          absl::ToInt64Nanoseconds(a.state.ends_at - old_end));
      Announce(tx, a, "auction_extended", std::move(event), now);
    }
    // The bidder whose lead this bid took is told personally, committed with the bid.
    if (!result.outbid_id.empty()) {
      OutbidNotice outbid;
      outbid.lot = LotOf(tx, a);
      outbid.price = MoneyOf(a.state.price_minor, terms.currency);
      outbid.ends_at = a.state.ends_at;
      EnqueueUserNotification(tx, result.outbid_id, kOutbidNoticeType, OutbidNotification(outbid),
                              kOutbidPreference);
    }
    *response.mutable_bid() = std::move(mine);
    *response.mutable_auction() = AuctionToProto(a, terms, caller.user_id == a.seller_id);
    RememberAnswer(tx, caller, kBidKind, key, a.id, response.SerializeAsString(), now);
    return response;
  });
}

absl::StatusOr<v1::BuyNowResponse> AuctionStore::BuyNow(const auth::Caller& caller,
                                                        const std::string& auction_id,
                                                        const common::v1::Money& expected_price,
                                                        const std::string& key) {
  auto bought = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::BuyNowResponse> {
    ASSIGN_OR_RETURN(AuctionRecord a, LockAuction(tx, auction_id));
    ASSIGN_OR_RETURN(std::optional<std::string> earlier,
                     EarlierAnswer(tx, caller, kBuyNowKind, key, auction_id));
    v1::BuyNowResponse response;
    if (earlier) {
      response.ParseFromString(*earlier);
      return response;
    }
    ASSIGN_OR_RETURN(rules::AuctionTerms terms, StoredTerms(a));
    const absl::Time now = Now();
    ASSIGN_OR_RETURN(
        rules::AuctionState closed,
        rules::BuyNow(terms, a.state, caller.user_id,
                      rules::Money{expected_price.amount_minor(), expected_price.currency()}, now));
    RETURN_IF_ERROR(FinishClose(tx, hooks_, a, terms, std::move(closed), Refusal::kFail));
    *response.mutable_auction() = AuctionToProto(a, terms, caller.user_id == a.seller_id);
    if (!a.winner_reservation_id.empty()) {
      v1::Reservation* r = response.mutable_reservation();
      r->set_id(a.winner_reservation_id);
      r->set_product_id(a.product_id);
      r->set_buyer_id(caller.user_id);
      r->set_seller_id(a.seller_id);
      r->set_stream_id(a.stream_id);
      r->set_quantity(1);
      *r->mutable_unit_price() = MoneyOf(a.state.winning_minor, terms.currency);
      r->set_status(v1::RESERVATION_STATUS_HELD);
      r->set_source(v1::RESERVATION_SOURCE_BUY_NOW);
      ToProto(now, r->mutable_created_at());
      ToProto(now + WinnerHoldOf(a.settings), r->mutable_expires_at());
      r->set_auction_id(a.id);
    }
    RememberAnswer(tx, caller, kBuyNowKind, key, a.id, response.SerializeAsString(), now);
    return response;
  });
  if (bought.ok() && hooks_ != nullptr && bought->has_reservation()) {
    hooks_->HoldCommitted(bought->reservation().product_id());
  }
  return bought;
}

absl::StatusOr<v1::Auction> AuctionStore::Close(const auth::Caller& caller,
                                                const std::string& auction_id, bool cancel) {
  auto closed_auction =
      db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Auction> {
        ASSIGN_OR_RETURN(AuctionRecord a, LockAuction(tx, auction_id));
        if (a.seller_id != caller.user_id && !IsAdmin(caller)) {
          return PermissionDenied("NOT_AUCTION_OWNER", "only the auction's seller closes it");
        }
        ASSIGN_OR_RETURN(rules::AuctionTerms terms, StoredTerms(a));
        if (a.state.status == rules::AuctionStatus::kClosed) {
          // A retry finds its own close done; any other close already decided the outcome.
          if (cancel == (a.state.outcome == rules::AuctionOutcome::kCancelled)) {
            return AuctionToProto(a, terms, /*reveal_reserve=*/true);
          }
          return Error(absl::StatusCode::kFailedPrecondition, "AUCTION_NOT_OPEN",
                       "the auction is already closed");
        }
        ASSIGN_OR_RETURN(rules::AuctionState closed,
                         rules::Close(terms, a.state, Now(),
                                      cancel ? rules::CloseMode::kCancel : rules::CloseMode::kNow));
        RETURN_IF_ERROR(FinishClose(tx, hooks_, a, terms, std::move(closed), Refusal::kRecord));
        return AuctionToProto(a, terms, /*reveal_reserve=*/true);
      });
  if (closed_auction.ok() && hooks_ != nullptr &&
      !closed_auction->winner_reservation_id().empty()) {
    hooks_->HoldCommitted(closed_auction->product_id());
  }
  return closed_auction;
}

absl::StatusOr<bool> AuctionStore::CloseOneDue() {
  std::string held_product;  // The product of a winner's hold made by the close.
  auto closed_one = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<bool> {
    held_product.clear();
    const absl::Time now = Now();
    pqxx::result r = tx.exec_prepared("pi_auc_claim_due", absl::ToUnixMicros(now));
    if (r.empty()) return false;
    AuctionRecord a = AuctionFromRow(r[0]);
    ASSIGN_OR_RETURN(rules::AuctionTerms terms, StoredTerms(a));
    ASSIGN_OR_RETURN(rules::AuctionState closed,
                     rules::Close(terms, a.state, now, rules::CloseMode::kOnTime));
    RETURN_IF_ERROR(FinishClose(tx, hooks_, a, terms, std::move(closed), Refusal::kRecord));
    log::Info("auction_closed")
        .Kv("auction_id", a.id)
        .Kv("outcome", v1::AuctionOutcome_Name(OutcomeToProto(a.state.outcome)));
    if (!a.winner_reservation_id.empty()) held_product = a.product_id;
    return true;
  });
  if (closed_one.ok() && hooks_ != nullptr && !held_product.empty()) {
    hooks_->HoldCommitted(held_product);
  }
  return closed_one;
}

absl::Status AuctionStore::OnPeerEvent(pqxx::work& tx, const common::v1::Event& event,
                                       absl::Time now) {
  if (event.type() != kStreamEnded) return absl::OkStatus();
  video_ingest::v1::StreamEnded ended;
  if (!event.payload().UnpackTo(&ended)) {
    return InvalidArgument("events.payload", "EVENT_PAYLOAD_INVALID",
                           "the event's payload is not its type's message");
  }
  // Every open auction of the stream, locked in id order (two deliveries, or a closer, never
  // deadlock with this); one holding its row (a bid in flight) is waited for, so its bid
  // counts.
  pqxx::result r = tx.exec_prepared("pi_auc_lock_open_of_stream", ended.stream_id());
  const absl::Time at = TruncateToMicros(now);
  for (const auto& row : r) {
    AuctionRecord a = AuctionFromRow(row);
    ASSIGN_OR_RETURN(rules::AuctionTerms terms, StoredTerms(a));
    ASSIGN_OR_RETURN(
        rules::AuctionState closed,
        rules::Close(terms, a.state, std::max(at, a.state.started_at), rules::CloseMode::kNow));
    RETURN_IF_ERROR(FinishClose(tx, hooks_, a, terms, std::move(closed), Refusal::kRecord));
    log::Info("auction_closed_stream_ended")
        .Kv("auction_id", a.id)
        .Kv("outcome", v1::AuctionOutcome_Name(OutcomeToProto(a.state.outcome)));
    // The handler's transaction commits after this returns, with no seam after it: the mark
    // is set now, and the announcer reads committed stock, so at worst the room sees this
    // hold's stock with the next change of the product (the close's own room event says who
    // won).
    if (hooks_ != nullptr && !a.winner_reservation_id.empty()) hooks_->HoldCommitted(a.product_id);
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Auction> AuctionStore::Get(const std::string& auction_id,
                                              const auth::Caller* caller) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<v1::Auction> {
    pqxx::result r = tx.exec_prepared("pi_auc_select", auction_id);
    if (r.empty()) return NotFound("AUCTION_NOT_FOUND", "no such auction");
    AuctionRecord a = AuctionFromRow(r[0]);
    ASSIGN_OR_RETURN(rules::AuctionTerms terms, StoredTerms(a));
    const bool seller = caller != nullptr && (caller->user_id == a.seller_id || IsAdmin(*caller));
    return AuctionToProto(a, terms, seller);
  });
}

absl::StatusOr<Page<v1::Auction>> AuctionStore::List(const std::string& stream_id, int status,
                                                     const auth::Caller* caller,
                                                     const pagetoken::Cursor& after, int limit) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Page<v1::Auction>> {
    pqxx::result r =
        tx.exec_prepared("pi_auc_list", stream_id, status, after.key, after.id, limit + 1);
    Page<v1::Auction> page;
    for (int i = 0; i < static_cast<int>(r.size()) && i < limit; ++i) {
      AuctionRecord a = AuctionFromRow(r[i]);
      ASSIGN_OR_RETURN(rules::AuctionTerms terms, StoredTerms(a));
      const bool seller = caller != nullptr && (caller->user_id == a.seller_id || IsAdmin(*caller));
      page.items.push_back(AuctionToProto(a, terms, seller));
      if (i + 1 == limit && static_cast<int>(r.size()) > limit) {
        page.next = pagetoken::Cursor{absl::ToUnixMicros(a.state.started_at), a.id};
      }
    }
    return page;
  });
}

absl::StatusOr<Page<v1::Bid>> AuctionStore::ListBids(const std::string& auction_id,
                                                     const pagetoken::Cursor& after, int limit) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Page<v1::Bid>> {
    pqxx::result a = tx.exec_prepared("pi_auc_select", auction_id);
    if (a.empty()) return NotFound("AUCTION_NOT_FOUND", "no such auction");
    const std::string currency = AuctionFromRow(a[0]).settings.starting_bid().currency();
    pqxx::result r = tx.exec_prepared("pi_auc_list_bids", auction_id, after.key, limit + 1);
    Page<v1::Bid> page;
    for (int i = 0; i < static_cast<int>(r.size()) && i < limit; ++i) {
      v1::Bid b;
      b.set_id(r[i][0].as<std::string>());
      b.set_auction_id(auction_id);
      b.set_bidder_id(r[i][1].as<std::string>());
      *b.mutable_amount() = MoneyOf(r[i][2].as<int64_t>(), currency);
      b.set_extended_auction(r[i][3].as<bool>());
      ToProto(FromMicros(r[i][4].as<int64_t>()), b.mutable_placed_at());
      page.items.push_back(std::move(b));
      if (i + 1 == limit && static_cast<int>(r.size()) > limit) {
        page.next = pagetoken::Cursor{r[i][5].as<int64_t>(), ""};
      }
    }
    return page;
  });
}

}  // namespace shopcast::product_inventory::auctions
