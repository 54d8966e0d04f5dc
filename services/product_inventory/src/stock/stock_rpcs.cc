#include "stock/stock_rpcs.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <mutex>
#include <pqxx/result>
#include <pqxx/transaction>
#include <set>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/paging.h"
#include "common/pg_time.h"
#include "shopcast/db/pg_array.h"
#include "shopcast/db/transaction.h"
#include "shopcast/ids/ids.h"
#include "shopcast/server/status.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"
#include "shopcast/text/utf8.h"
#include "shopcast/text/visible.h"
#include "stock/flash_sale_validation.h"
#include "stock/pg_values.h"
#include "stock/stock_proto.h"
#include "stock/stock_tx.h"
#include "stock/validation.h"

namespace shopcast::product_inventory::stock {
namespace {

constexpr int kMaxStockIds = 100;
constexpr size_t kMaxNote = 200;
// Reserve reads a product's seller, status and price from memory for this long: a hot
// product's buyers do not each read its row. A status change (archive) reaches Reserve within
// it; the stock itself is always decided by the database.
constexpr absl::Duration kFactsTtl = absl::Seconds(1);
constexpr char kNotSalesOwner[] = "only the product's host runs its sales";
// The newest a keyset cursor can start from (year 9999), as Unix microseconds.
constexpr int64_t kLatestMicros = 253402300799000000;

absl::Status CheckProductId(const std::string& id, absl::string_view field = "product_id") {
  return CheckId(id, "prd", field, reason::kProductNotFound);
}

// ReleaseReservationForOrderRequest.reason: empty, or the shape V010's check accepts.
absl::Status CheckReleaseReason(const std::string& why) {
  bool ok = why.size() <= 64 && (why.empty() || (why[0] >= 'A' && why[0] <= 'Z'));
  for (char c : why) ok = ok && ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
  if (ok) return absl::OkStatus();
  return InvalidArgument("reason", "RELEASE_REASON_INVALID",
                         "reason is empty or UPPER_SNAKE_CASE, at most 64 characters");
}

absl::Status CheckHoldId(const std::string& id) {
  return CheckId(id, "res", "reservation_id", reason::kReservationNotFound);
}

// Engine states a ListMyReservations status filter selects.
std::vector<std::string> StatesOf(const google::protobuf::RepeatedField<int>& statuses) {
  std::set<std::string> states;
  if (statuses.empty()) states.insert("active");
  for (int s : statuses) {
    switch (s) {
      case v1::RESERVATION_STATUS_HELD:
        states.insert("active");
        break;
      case v1::RESERVATION_STATUS_COMMITTED:
        states.insert("committed");
        break;
      case v1::RESERVATION_STATUS_RELEASED:
        states.insert("released");
        states.insert("returned");
        break;
      case v1::RESERVATION_STATUS_EXPIRED:
        states.insert("expired");
        break;
      case v1::RESERVATION_STATUS_IN_CHECKOUT:
        // A locked hold is an active one with a live checkout lock: selecting it selects HELD
        // ones too (the cart shows both).
        states.insert("active");
        break;
      default:
        break;
    }
  }
  return {states.begin(), states.end()};
}

}  // namespace

static_assert(static_cast<int>(HoldSource::kDirect) == v1::RESERVATION_SOURCE_DIRECT &&
                  static_cast<int>(HoldSource::kQueue) == v1::RESERVATION_SOURCE_QUEUE &&
                  static_cast<int>(HoldSource::kAuctionWin) == v1::RESERVATION_SOURCE_AUCTION_WIN &&
                  static_cast<int>(HoldSource::kBuyNow) == v1::RESERVATION_SOURCE_BUY_NOW &&
                  static_cast<int>(HoldSource::kLottery) == v1::RESERVATION_SOURCE_LOTTERY,
              "HoldSource mirrors the proto's ReservationSource (holds.source stores it)");

void SetSource(const Hold& hold, v1::Reservation* r) {
  // The numbers are the proto's (HoldSource mirrors ReservationSource).
  r->set_source(static_cast<v1::ReservationSource>(hold.source));
  switch (hold.source) {
    case HoldSource::kAuctionWin:
    case HoldSource::kBuyNow:
      r->set_auction_id(hold.source_ref);
      break;
    case HoldSource::kQueue:
      r->set_queue_ticket_id(hold.source_ref);
      break;
    case HoldSource::kLottery:
      r->set_lottery_id(hold.source_ref);
      break;
    default:
      break;  // DIRECT names nothing.
  }
}

v1::ReservationStatus StatusOf(HoldState state) {
  switch (state) {
    case HoldState::kActive:
      return v1::RESERVATION_STATUS_HELD;
    case HoldState::kCommitted:
      return v1::RESERVATION_STATUS_COMMITTED;
    case HoldState::kExpired:
      return v1::RESERVATION_STATUS_EXPIRED;
    // A returned sale's units went back like a release's.
    case HoldState::kReleased:
    case HoldState::kReturned:
      return v1::RESERVATION_STATUS_RELEASED;
  }
  return v1::RESERVATION_STATUS_UNSPECIFIED;
}

// Entries are shared, not copied: a hot product's buyers each read the same facts, and the
// answer (on a batcher thread) keeps them alive without copying their strings per call.
class StockRpcs::FactsCache {
 public:
  std::shared_ptr<const ProductFacts> Get(const std::string& id, absl::Time now) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(id);
    if (it == entries_.end() || now - it->second.second > kFactsTtl) return nullptr;
    return it->second.first;
  }
  void Put(const std::string& id, std::shared_ptr<const ProductFacts> facts, absl::Time now) {
    std::lock_guard<std::mutex> lock(mu_);
    // Bounded: a full cache starts over (entries are a second's worth of reads anyway).
    if (entries_.size() >= 10000) entries_.clear();
    entries_[id] = {std::move(facts), now};
  }

 private:
  std::mutex mu_;
  absl::flat_hash_map<std::string, std::pair<std::shared_ptr<const ProductFacts>, absl::Time>>
      entries_;
};

StockRpcs::StockRpcs(StockStore& store, ReserveBatcher& batcher, StockEvents& events,
                     const auth::TokenVerifier& verifier, const auth::RevocationList* revoked,
                     const pagetoken::Codec& page_tokens, server::Executor& executor,
                     CheckoutLookup checkout_lookup)
    : store_(store),
      batcher_(batcher),
      events_(events),
      callers_(verifier, revoked),
      page_tokens_(page_tokens),
      executor_(executor),
      checkout_lookup_(std::move(checkout_lookup)),
      facts_(std::make_unique<FactsCache>()) {}

StockRpcs::~StockRpcs() = default;

absl::StatusOr<ProductFacts> StockRpcs::LoadFacts(const std::string& product_id) {
  ASSIGN_OR_RETURN(
      std::optional<ProductFacts> facts,
      db::InTransaction(
          store_.pool(), [&](pqxx::work& tx) -> absl::StatusOr<std::optional<ProductFacts>> {
            const pqxx::result r = tx.exec_prepared(
                "pi_stock_wire_product_facts", db::TextArray(std::vector<std::string>{product_id}));
            if (r.empty()) return std::optional<ProductFacts>();
            ProductFacts f;
            f.seller_id = r[0][1].as<std::string>();
            f.stream_id = r[0][2].as<std::string>();
            f.status = r[0][3].as<int>();
            f.sale_mode = r[0][4].as<int>();
            f.price_minor = r[0][5].as<int64_t>();
            f.currency = r[0][6].as<std::string>();
            f.open_auction_id = r[0][7].as<std::string>();
            f.queue_mode = r[0][8].as<bool>();
            return std::optional<ProductFacts>(std::move(f));
          }));
  if (!facts.has_value()) return NotFound(reason::kProductNotFound, "no such product");
  facts_->Put(product_id, std::make_shared<const ProductFacts>(*facts), absl::Now());
  return *facts;
}

absl::StatusOr<v1::Reservation> StockRpcs::ToReservation(const Hold& hold) {
  ASSIGN_OR_RETURN(ProductFacts facts, LoadFacts(hold.product_id));
  v1::Reservation r;
  r.set_id(hold.id);
  r.set_product_id(hold.product_id);
  r.set_buyer_id(hold.buyer_id);
  r.set_seller_id(facts.seller_id);
  r.set_stream_id(facts.stream_id);
  r.set_quantity(hold.quantity);
  r.mutable_unit_price()->set_amount_minor(hold.unit_price_minor.value_or(facts.price_minor));
  r.mutable_unit_price()->set_currency(facts.currency);
  r.set_status(hold.lock_expires_at ? v1::RESERVATION_STATUS_IN_CHECKOUT : StatusOf(hold.state));
  if (hold.lock_expires_at) {
    product_inventory::ToProto(*hold.lock_expires_at, r.mutable_lock_expires_at());
  }
  SetSource(hold, &r);
  product_inventory::ToProto(hold.created_at, r.mutable_created_at());
  product_inventory::ToProto(hold.expires_at, r.mutable_expires_at());
  if (hold.settled_at) product_inventory::ToProto(*hold.settled_at, r.mutable_settled_at());
  r.set_order_id(hold.order_id.empty() ? hold.checkout_order_id : hold.order_id);
  if (hold.state == HoldState::kReleased) {
    // Only a release records one (V010); the engine's hold read stays on its own migrations.
    ASSIGN_OR_RETURN(
        std::string why,
        db::InTransaction(store_.pool(), [&](pqxx::work& tx) -> absl::StatusOr<std::string> {
          const pqxx::result rows = tx.exec_prepared("pi_stock_wire_release_reason", hold.id);
          return rows.empty() ? std::string() : rows[0][0].as<std::string>();
        }));
    r.set_release_reason(std::move(why));
  }
  return r;
}

// ---- stock ----

grpc::ServerUnaryReactor* StockRpcs::GetStock(grpc::CallbackServerContext* ctx,
                                              const v1::GetStockRequest* request,
                                              v1::GetStockResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, request, response]() -> absl::Status {
    if (request->product_ids().empty()) {
      return InvalidArgument("product_ids", reason::kIdRequired, "name 1..100 products");
    }
    if (request->product_ids_size() > kMaxStockIds) {
      return InvalidArgument("product_ids", "TOO_MANY_IDS", "at most 100 products per call");
    }
    // An id that is not a product id's shape names no product: left out like an unknown one
    // (and never sent to the database, whose array literal it could break).
    std::vector<std::string> ids;
    for (const std::string& id : request->product_ids()) {
      if (ids::IsValidId(id, "prd")) ids.push_back(id);
    }
    if (ids.empty()) return absl::OkStatus();
    ASSIGN_OR_RETURN(std::vector<StockLevel> levels, store_.GetStock(ids));
    for (const StockLevel& l : levels) *response->add_stocks() = StockOf(l);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StockRpcs::AdjustStock(grpc::CallbackServerContext* ctx,
                                                 const v1::AdjustStockRequest* request,
                                                 v1::AdjustStockResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    // The owner's prologue in two parts: the request is checked before the product is read.
    ASSIGN_OR_RETURN(auth::Caller caller, callers_.AuthenticateAs(*ctx, auth::Role::kHost));
    RETURN_IF_ERROR(CheckProductId(request->product_id()));
    if (request->delta() == 0) {
      return InvalidArgument("delta", reason::kDeltaZero, "delta must not be 0");
    }
    if (request->delta() > kMaxTotal || request->delta() < -kMaxTotal) {
      return InvalidArgument("delta", reason::kStockOutOfRange, "total stays within 0..1000000");
    }
    if (text::CodePointCount(request->note()) > static_cast<int64_t>(kMaxNote) ||
        request->note().size() > 4 * kMaxNote) {
      return InvalidArgument("note", "NOTE_TOO_LONG", "note is at most 200 characters");
    }
    if (text::CheckUserText(request->note(), {.allow_empty = true}) != text::TextProblem::kNone) {
      return InvalidArgument("note", "NOTE_INVALID",
                             "note must be valid UTF-8 without control characters");
    }
    RETURN_IF_ERROR(ValidateIdempotencyKey(request->idempotency_key()));
    ASSIGN_OR_RETURN(ProductFacts facts, LoadFacts(request->product_id()));
    RETURN_IF_ERROR(
        RequireProductOwner(caller, facts.seller_id, "only the product's host changes its stock"));
    const absl::Time now = store_.Now();
    const tx::AdjustmentKey key{caller.user_id, request->idempotency_key(), request->note()};
    ASSIGN_OR_RETURN(
        StockLevel level,
        db::InTransaction(store_.pool(), [&](pqxx::work& tx) -> absl::StatusOr<StockLevel> {
          if (request->delta() < 0 && guards_ != nullptr && !guards_->empty()) {
            // The running sales first: their refusal names what holds the units. A retried
            // write-off already in the ledger is refused the same way while the sale runs.
            const std::vector<StockLevel> levels = tx::GetStock(tx, {request->product_id()}, now);
            const int64_t available = levels.empty() ? 0 : levels[0].available;
            for (SaleGuard* guard : *guards_) {
              RETURN_IF_ERROR(
                  guard->CheckWriteOff(tx, request->product_id(), -request->delta(), available));
            }
          }
          return tx::AdjustTotal(tx, request->product_id(), request->delta(), now, &key);
        }));
    Changed(request->product_id());
    *response->mutable_stock() = StockOf(level);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StockRpcs::ScheduleFlashSale(grpc::CallbackServerContext* ctx,
                                                       const v1::ScheduleFlashSaleRequest* request,
                                                       v1::ScheduleFlashSaleResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    auto load_facts = [this](const std::string& id) { return LoadFacts(id); };
    ASSIGN_OR_RETURN(OwnerCall<ProductFacts> call,
                     OwnerPrologue<ProductFacts>(callers_, *ctx, request->product_id(), load_facts,
                                                 kNotSalesOwner));
    const ProductFacts& facts = call.facts;
    if (facts.sale_mode != v1::SALE_MODE_FIXED_PRICE) {
      return Error(absl::StatusCode::kFailedPrecondition, "PRODUCT_IS_AUCTION",
                   "flash sales are for fixed-price products");
    }
    if (facts.status != v1::PRODUCT_STATUS_LISTED) {
      return Error(absl::StatusCode::kFailedPrecondition, "PRODUCT_NOT_ON_SALE",
                   "only a listed product can have a flash sale");
    }
    const absl::Time now = pg::Truncate(store_.Now());
    ASSIGN_OR_RETURN(FlashSale sale, SaleOf(*request, {facts.price_minor, facts.currency}, now));
    ASSIGN_OR_RETURN(
        StockLevel level,
        db::InTransaction(store_.pool(), [&](pqxx::work& tx) -> absl::StatusOr<StockLevel> {
          const std::vector<StockLevel> current = tx::GetStock(tx, {request->product_id()}, now);
          if (current.empty())
            return NotFound(reason::kProductNotFound, "the product has no stock");
          if (sale.stock_cap < 1 || sale.stock_cap > current[0].total) {
            return BadSale("stock_cap", "the sale's cap is 1 to the product's total units");
          }
          return tx::ScheduleFlashSale(tx, request->product_id(), sale, now);
        }));
    Changed(request->product_id());
    *response->mutable_stock() = StockOf(level);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StockRpcs::EndFlashSale(grpc::CallbackServerContext* ctx,
                                                  const v1::EndFlashSaleRequest* request,
                                                  v1::EndFlashSaleResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    auto load_facts = [this](const std::string& id) { return LoadFacts(id); };
    RETURN_IF_ERROR(OwnerPrologue<ProductFacts>(callers_, *ctx, request->product_id(), load_facts,
                                                kNotSalesOwner)
                        .status());
    const absl::Time now = pg::Truncate(store_.Now());
    ASSIGN_OR_RETURN(StockLevel level, db::InTransaction(store_.pool(), [&](pqxx::work& tx) {
                       return tx::EndFlashSale(tx, request->product_id(), now);
                     }));
    Changed(request->product_id());
    *response->mutable_stock() = StockOf(level);
    return absl::OkStatus();
  });
}

// ---- reservations ----

grpc::ServerUnaryReactor* StockRpcs::Reserve(grpc::CallbackServerContext* ctx,
                                             const v1::ReserveRequest* request,
                                             v1::ReserveResponse* response) {
  // One reactor per call: every answer below goes through it.
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  auto finish_now = [ctx, reactor](const absl::Status& s) {
    reactor->Finish(server::ToGrpcStatus(s, ctx));
    return reactor;
  };
  absl::StatusOr<auth::Caller> caller = callers_.Authenticate(*ctx);
  if (!caller.ok()) return finish_now(caller.status());
  if (absl::Status s = CheckProductId(request->product_id()); !s.ok()) {
    return finish_now(s);
  }
  if (!request->queue_ticket_id().empty()) {
    // Queue offers are claimed with ClaimQueueOffer, never through Reserve.
    return finish_now(Error(absl::StatusCode::kFailedPrecondition, "QUEUE_TICKET_NOT_ADMITTED",
                            "no such admitted ticket"));
  }
  ReserveRequest r;
  r.product_id = request->product_id();
  r.buyer_id = std::move(caller->user_id);
  r.quantity = request->quantity();
  r.idempotency_key = request->idempotency_key();
  if (absl::Status s = ValidateReserve(r); !s.ok()) return finish_now(s);

  if (std::shared_ptr<const ProductFacts> facts = facts_->Get(r.product_id, absl::Now())) {
    ReserveWith(ctx, reactor, std::move(r), std::move(facts), response);
    return reactor;
  }
  // The product's facts need a read: on the executor, never on a gRPC thread.
  const bool queued = executor_.TrySubmit([this, ctx, reactor, r, response]() mutable {
    absl::StatusOr<ProductFacts> facts = LoadFacts(r.product_id);
    if (!facts.ok()) {
      reactor->Finish(server::ToGrpcStatus(facts.status(), ctx));
      return;
    }
    ReserveWith(ctx, reactor, std::move(r), std::make_shared<const ProductFacts>(*std::move(facts)),
                response);
  });
  if (!queued) {
    reactor->Finish(server::ToGrpcStatus(Error(absl::StatusCode::kUnavailable, "SERVER_OVERLOADED",
                                               "server is overloaded, retry later"),
                                         ctx));
  }
  return reactor;
}

void StockRpcs::ReserveWith(grpc::CallbackServerContext* ctx, grpc::ServerUnaryReactor* reactor,
                            ReserveRequest request,
                            std::shared_ptr<const ProductFacts> shared_facts,
                            v1::ReserveResponse* response) {
  const ProductFacts& facts = *shared_facts;
  absl::Status refused;
  if (!facts.open_auction_id.empty()) {
    // The auctioned unit goes to the auction's winner (AuctionHoldHooks), whatever the
    // product's sale mode says meanwhile.
    refused = Error(absl::StatusCode::kFailedPrecondition, "AUCTION_IN_PROGRESS",
                    absl::StrCat("the product is being auctioned (", facts.open_auction_id, ")"));
  } else if (facts.sale_mode == v1::SALE_MODE_AUCTION) {
    refused = Error(absl::StatusCode::kFailedPrecondition, "PRODUCT_IS_AUCTION",
                    "auction products are bought by bidding");
  } else if (facts.status != v1::PRODUCT_STATUS_LISTED) {
    refused = Error(absl::StatusCode::kFailedPrecondition, "PRODUCT_NOT_ON_SALE",
                    "the product is not listed");
  } else if (facts.seller_id == request.buyer_id) {
    refused = PermissionDenied("SELLER_CANNOT_BUY", "a host cannot reserve their own product");
  } else if (facts.queue_mode) {
    // The queue offers its units as holds; read through the one-second facts cache, so the
    // switch reaches Reserve within a second (as an archive does).
    refused = Error(absl::StatusCode::kFailedPrecondition, "QUEUE_REQUIRED",
                    "this product sells through its queue: Enqueue, then claim the offer");
  }
  if (!refused.ok()) {
    reactor->Finish(server::ToGrpcStatus(refused, ctx));
    return;
  }
  auto answer = [this, ctx, reactor, shared_facts = std::move(shared_facts),
                 response](absl::StatusOr<ReserveResult> result) {
    const ProductFacts& product = *shared_facts;
    // On a batcher thread: no database work here, the product's facts are at hand. The
    // result is this call's own, so its strings move into the answer instead of being copied,
    // and empty strings are not set (each set string is an allocation of its own).
    if (!result.ok()) {
      reactor->Finish(server::ToGrpcStatus(result.status(), ctx));
      return;
    }
    if (!result->duplicate) Changed(result->hold.product_id);
    Hold& hold = result->hold;
    v1::Reservation* r = response->mutable_reservation();
    r->set_quantity(hold.quantity);
    r->mutable_unit_price()->set_amount_minor(hold.unit_price_minor.value_or(product.price_minor));
    if (!product.currency.empty()) r->mutable_unit_price()->set_currency(product.currency);
    r->set_status(StatusOf(hold.state));
    r->set_source(v1::RESERVATION_SOURCE_DIRECT);
    product_inventory::ToProto(hold.created_at, r->mutable_created_at());
    product_inventory::ToProto(hold.expires_at, r->mutable_expires_at());
    if (hold.settled_at) product_inventory::ToProto(*hold.settled_at, r->mutable_settled_at());
    if (!product.seller_id.empty()) r->set_seller_id(product.seller_id);
    if (!product.stream_id.empty()) r->set_stream_id(product.stream_id);
    if (!hold.order_id.empty()) r->set_order_id(std::move(hold.order_id));
    r->set_id(std::move(hold.id));
    r->set_product_id(std::move(hold.product_id));
    r->set_buyer_id(std::move(hold.buyer_id));
    StockInto(result->stock, response->mutable_stock());
    reactor->Finish(grpc::Status::OK);
  };
  batcher_.ReserveAsync(std::move(request), std::move(answer));
}

grpc::ServerUnaryReactor* StockRpcs::ReleaseReservation(
    grpc::CallbackServerContext* ctx, const v1::ReleaseReservationRequest* request,
    v1::ReleaseReservationResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, callers_.Authenticate(*ctx));
    RETURN_IF_ERROR(CheckHoldId(request->reservation_id()));
    ASSIGN_OR_RETURN(HoldChange change, store_.Release(request->reservation_id(), caller.user_id));
    Changed(change.hold.product_id);
    ASSIGN_OR_RETURN(*response->mutable_reservation(), ToReservation(change.hold));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StockRpcs::GetReservation(grpc::CallbackServerContext* ctx,
                                                    const v1::GetReservationRequest* request,
                                                    v1::GetReservationResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, callers_.Authenticate(*ctx));
    RETURN_IF_ERROR(CheckHoldId(request->reservation_id()));
    ASSIGN_OR_RETURN(Hold hold, store_.GetHold(request->reservation_id()));
    ASSIGN_OR_RETURN(v1::Reservation r, ToReservation(hold));
    if (caller.user_id != hold.buyer_id && caller.user_id != r.seller_id() &&
        caller.role != auth::Role::kAdmin) {
      return PermissionDenied(reason::kNotReservationOwner, "not your reservation");
    }
    *response->mutable_reservation() = std::move(r);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StockRpcs::ListMyReservations(
    grpc::CallbackServerContext* ctx, const v1::ListMyReservationsRequest* request,
    v1::ListMyReservationsResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, callers_.Authenticate(*ctx));
    for (int s : request->statuses()) {
      if (s < v1::RESERVATION_STATUS_HELD || s > v1::RESERVATION_STATUS_EXPIRED) {
        return InvalidArgument("statuses", "STATUS_INVALID", "unknown reservation status");
      }
    }
    const std::vector<std::string> states = StatesOf(request->statuses());
    ASSIGN_OR_RETURN(int limit, PageSizeOf(request->page()));
    const std::string list =
        absl::StrCat("my_reservations;", caller.user_id, ";", absl::StrJoin(states, ","));
    ASSIGN_OR_RETURN(pagetoken::Cursor after, CursorOf(page_tokens_, list, request->page()));
    const int64_t after_key = std::min(after.key, kLatestMicros);
    const std::string after_id = after.key >= kLatestMicros ? std::string("\x7f") : after.id;
    const absl::Time now = store_.Now();
    ASSIGN_OR_RETURN(
        std::vector<std::string> hold_ids,
        db::InTransaction(
            store_.pool(), [&](pqxx::work& tx) -> absl::StatusOr<std::vector<std::string>> {
              std::vector<std::string> out;
              for (const auto& row :
                   tx.exec_prepared("pi_stock_wire_buyer_holds", caller.user_id, pg::Time(now),
                                    after_key, after_id, db::TextArray(states), limit + 1)) {
                out.push_back(row[0].as<std::string>());
              }
              return out;
            }));
    const bool more = static_cast<int>(hold_ids.size()) > limit;
    if (more) hold_ids.resize(limit);
    Hold last;
    for (const std::string& id : hold_ids) {
      ASSIGN_OR_RETURN(Hold hold, store_.GetHold(id));
      ASSIGN_OR_RETURN(*response->add_reservations(), ToReservation(hold));
      last = std::move(hold);
    }
    if (more) {
      response->mutable_page()->set_next_page_token(page_tokens_.Encode(
          list, pagetoken::Cursor{absl::ToUnixMicros(last.created_at), last.id}));
    }
    return absl::OkStatus();
  });
}

// ---- internal ----

grpc::ServerUnaryReactor* StockRpcs::GetReservationForCheckout(
    grpc::CallbackServerContext* ctx, const v1::GetReservationForCheckoutRequest* request,
    v1::GetReservationForCheckoutResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, request, response]() -> absl::Status {
    RETURN_IF_ERROR(CheckHoldId(request->reservation_id()));
    if (request->buyer_id().empty()) {
      return InvalidArgument("buyer_id", reason::kIdRequired, "buyer_id is required");
    }
    ASSIGN_OR_RETURN(Hold hold, store_.GetHold(request->reservation_id()));
    if (hold.buyer_id != request->buyer_id()) {
      return PermissionDenied(reason::kNotReservationOwner, "not the buyer's reservation");
    }
    ASSIGN_OR_RETURN(*response->mutable_reservation(), ToReservation(hold));
    if (checkout_lookup_) RETURN_IF_ERROR(checkout_lookup_(hold.product_id, response));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StockRpcs::LockReservationForCheckout(
    grpc::CallbackServerContext* ctx, const v1::LockReservationForCheckoutRequest* request,
    v1::LockReservationForCheckoutResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, request, response]() -> absl::Status {
    RETURN_IF_ERROR(CheckHoldId(request->reservation_id()));
    // The store refuses an empty order_id (INVALID_ARGUMENT ID_REQUIRED) and a lock off range.
    ASSIGN_OR_RETURN(HoldChange change,
                     store_.LockForCheckout(request->reservation_id(), request->order_id(),
                                            DurationOf(request->lock_duration())));
    ASSIGN_OR_RETURN(*response->mutable_reservation(), ToReservation(change.hold));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StockRpcs::CommitReservation(grpc::CallbackServerContext* ctx,
                                                       const v1::CommitReservationRequest* request,
                                                       v1::CommitReservationResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, request, response]() -> absl::Status {
    RETURN_IF_ERROR(CheckHoldId(request->reservation_id()));
    ASSIGN_OR_RETURN(HoldChange change,
                     store_.Commit(request->reservation_id(), request->order_id()));
    Changed(change.hold.product_id);
    ASSIGN_OR_RETURN(*response->mutable_reservation(), ToReservation(change.hold));
    *response->mutable_stock() = StockOf(change.stock);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StockRpcs::ReleaseReservationForOrder(
    grpc::CallbackServerContext* ctx, const v1::ReleaseReservationForOrderRequest* request,
    v1::ReleaseReservationForOrderResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, request, response]() -> absl::Status {
    RETURN_IF_ERROR(CheckHoldId(request->reservation_id()));
    RETURN_IF_ERROR(CheckReleaseReason(request->reason()));
    ASSIGN_OR_RETURN(
        HoldChange change,
        store_.ReleaseForOrder(request->reservation_id(), request->order_id(), request->reason()));
    Changed(change.hold.product_id);
    ASSIGN_OR_RETURN(*response->mutable_reservation(), ToReservation(change.hold));
    *response->mutable_stock() = StockOf(change.stock);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StockRpcs::ReturnCommittedStock(
    grpc::CallbackServerContext* ctx, const v1::ReturnCommittedStockRequest* request,
    v1::ReturnCommittedStockResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, request, response]() -> absl::Status {
    RETURN_IF_ERROR(CheckHoldId(request->reservation_id()));
    ASSIGN_OR_RETURN(HoldChange change,
                     store_.ReturnCommittedStock(request->reservation_id(), request->order_id()));
    Changed(change.hold.product_id);
    *response->mutable_stock() = StockOf(change.stock);
    return absl::OkStatus();
  });
}

}  // namespace shopcast::product_inventory::stock
