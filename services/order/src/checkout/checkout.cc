#include "checkout/checkout.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "access/pass_rules.h"
#include "checkout/shipping.h"
#include "checkout/validation.h"
#include "common/pg_time.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"

namespace shopcast::order::checkout {
namespace {

constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;
// What a checkout buys (the outcome metric's item label).
constexpr char kProductItem[] = "product";
constexpr char kPassItem[] = "access_pass";

absl::Status MapInventoryError(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kNotFound:
      return NotFound("RESERVATION_NOT_FOUND", "no such reservation");
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
      return s;  // product-inventory's reason (NOT_RESERVATION_OWNER, …) says it already.
    default:
      return Error(absl::StatusCode::kUnavailable, "INVENTORY_UNAVAILABLE",
                   "product-inventory is unavailable; retry with the same idempotency key");
  }
}

// Refuses a reservation that cannot become an order now.
absl::Status CheckReservation(const pi::Reservation& r, absl::Time now) {
  const absl::Time expires = FromProto(r.expires_at());
  switch (r.status()) {
    case pi::RESERVATION_STATUS_HELD:
      if (expires > now) return absl::OkStatus();
      [[fallthrough]];
    case pi::RESERVATION_STATUS_EXPIRED:
      return Error(absl::StatusCode::kFailedPrecondition, "RESERVATION_EXPIRED",
                   "the reservation expired; reserve again", "reservation_id");
    default:
      return Error(absl::StatusCode::kFailedPrecondition, "RESERVATION_ALREADY_USED",
                   "the reservation was bought, released or is being checked out",
                   "reservation_id");
  }
}

// video-ingest's answer to LookupStreams, for the buyer.
absl::Status StreamsUnavailable() {
  return Error(absl::StatusCode::kUnavailable, "STREAMS_UNAVAILABLE",
               "video-ingest is unavailable; retry with the same idempotency key");
}

absl::Status ReplaysUnavailable() {
  return Error(absl::StatusCode::kUnavailable, "RECORDINGS_UNAVAILABLE",
               "recording-lifecycle is unavailable; retry with the same idempotency key");
}

absl::Status MapStreamsError(const absl::Status& s) {
  if (s.code() == absl::StatusCode::kNotFound) {
    return Error(absl::StatusCode::kNotFound, "STREAM_NOT_FOUND", "no such stream",
                 "access_stream_id");
  }
  return StreamsUnavailable();
}

std::string OutcomeOf(const v1::Order& o) {
  switch (o.status()) {
    case v1::ORDER_STATUS_CONFIRMED:
      return "confirmed";
    case v1::ORDER_STATUS_PENDING_PAYMENT:
      return "pending";
    case v1::ORDER_STATUS_FAILED: {
      std::string reason = v1::OrderFailureReason_Name(o.failure_reason());
      absl::AsciiStrToLower(&reason);
      return absl::StrCat("failed_", absl::StripPrefix(reason, "order_failure_reason_"));
    }
    default:
      return "other";
  }
}

}  // namespace

Checkout::Checkout(OrderStore& store, Inventory& inventory, access::Streams* streams,
                   access::Replays* replays, CheckoutSaga& saga,
                   const pagetoken::Codec& page_tokens, CheckoutOptions options,
                   std::function<std::string(absl::string_view)> new_id)
    : store_(store),
      inventory_(inventory),
      streams_(streams),
      replays_(replays),
      saga_(saga),
      page_tokens_(page_tokens),
      options_(std::move(options)),
      new_id_(std::move(new_id)) {}

absl::Time Checkout::WaitDeadline(absl::Time deadline) const {
  return std::min(deadline - options_.wait_margin, absl::Now() + options_.max_wait);
}

absl::StatusOr<v1::Order> Checkout::Place(const auth::Claims& buyer,
                                          const v1::PlaceOrderRequest& request,
                                          absl::Time deadline) {
  if (request.item_case() == v1::PlaceOrderRequest::kAccessStreamId) {
    return PlacePass(buyer, request, deadline);
  }
  if (absl::Status s = ToStatus(ValidatePlaceOrder(request)); !s.ok()) {
    saga_.CountOutcome(absl::StrCat("rejected_", absl::AsciiStrToLower(ReasonOf(s))));
    return s;
  }
  v1::PlaceOrderRequest canonical = request;
  canonical.clear_idempotency_key();
  const std::string fingerprint = absl::BytesToHexString(canonical.SerializeAsString());
  const std::string& key = request.idempotency_key();
  absl::Time now = absl::Now();

  ASSIGN_OR_RETURN(std::optional<KeyHit> hit, store_.FindKey(buyer.subject, key, now));
  if (hit) return Replay(*hit, fingerprint, deadline);

  // What is bought, priced by the server from product-inventory's figures.
  auto found = inventory_.GetForCheckout(request.reservation_id(), buyer.subject);
  absl::Status refused =
      found.ok() ? CheckReservation(found->reservation(), now) : MapInventoryError(found.status());
  if (!refused.ok()) {
    // A first call with this key, racing this one, may have stored its order and locked the
    // hold since the look-up above (the hold then reads as used): this call is its retry.
    ASSIGN_OR_RETURN(hit, store_.FindKey(buyer.subject, key, absl::Now()));
    if (hit) return Replay(*hit, fingerprint, deadline);
    saga_.CountOutcome(refused.code() == absl::StatusCode::kUnavailable
                           ? "unavailable"
                           : absl::StrCat("rejected_", absl::AsciiStrToLower(ReasonOf(refused))));
    return refused;
  }
  const pi::Reservation& reservation = found->reservation();
  const std::string currency = reservation.unit_price().currency();
  const int64_t unit = reservation.unit_price().amount_minor();
  const int64_t subtotal = unit * reservation.quantity();
  ShippingQuery query;
  query.country_code = request.shipping_address().country_code();
  query.quantity = reservation.quantity();
  query.unit_weight_grams = found->product().weight_grams();
  query.subtotal_minor = subtotal;
  query.currency = currency;
  auto shipping = QuoteShipping(found->shipping_profile(), query);
  if (!shipping.ok()) {
    saga_.CountOutcome("rejected_shipping_not_available");
    return shipping.status();
  }

  OrderRecord rec;
  v1::Order& o = rec.order;
  o.set_id(new_id_("ord"));
  o.set_buyer_id(buyer.subject);
  o.set_seller_id(reservation.seller_id());
  o.set_stream_id(reservation.stream_id());
  o.set_status(v1::ORDER_STATUS_PENDING_PAYMENT);
  v1::OrderLine* line = o.add_lines();
  line->set_product_id(reservation.product_id());
  line->set_reservation_id(reservation.id());
  line->set_title(found->product().title());
  if (found->product().images_size() > 0 && found->product().images(0).renditions_size() > 0) {
    line->set_image_url(found->product().images(0).renditions(0).url());
  }
  line->set_quantity(reservation.quantity());
  *line->mutable_unit_price() = reservation.unit_price();
  line->mutable_line_total()->set_amount_minor(subtotal);
  line->mutable_line_total()->set_currency(currency);
  line->set_auction_id(reservation.auction_id());
  o.mutable_subtotal()->set_amount_minor(subtotal);
  o.mutable_subtotal()->set_currency(currency);
  o.mutable_shipping()->set_amount_minor(*shipping);
  o.mutable_shipping()->set_currency(currency);
  o.mutable_total()->set_amount_minor(subtotal + *shipping);
  o.mutable_total()->set_currency(currency);
  *o.mutable_shipping_address() = request.shipping_address();
  o.mutable_payment()->set_id(new_id_("pay"));
  o.mutable_payment()->set_provider(options_.provider_name);
  rec.step = step::kLock;
  rec.method_token = request.payment_method().placeholder().token();
  rec.buyer_display_name = buyer.name;
  rec.reserved_at.push_back(TruncateToMicros(FromProto(reservation.created_at())));

  return CreateAndRun(rec, key, fingerprint, deadline, kProductItem);
}

absl::StatusOr<v1::Order> Checkout::CreateAndRun(const OrderRecord& rec, const std::string& key,
                                                 const std::string& fingerprint,
                                                 absl::Time deadline, const std::string& item) {
  const absl::Time now = absl::Now();
  ASSIGN_OR_RETURN(std::optional<KeyHit> hit,
                   store_.Create(rec, key, fingerprint, options_.key_ttl, saga_.owner(),
                                 saga_.NewLeaseUntil(now), now));
  if (hit) return Replay(*hit, fingerprint, deadline);

  const std::string& order_id = rec.order.id();
  ASSIGN_OR_RETURN(RunOutcome outcome, saga_.Run(order_id));
  if (!outcome.ran) {
    // A retry with this key, racing this call, found the order and entered the saga first
    // (the lease is this process's since Create): wait for it like a retry would.
    ASSIGN_OR_RETURN(OrderRecord waited, saga_.WaitWhileRunning(order_id, WaitDeadline(deadline)));
    return std::move(waited.order);
  }
  if (!outcome.error.ok()) {
    saga_.CountOutcome(
        outcome.error.code() == absl::StatusCode::kUnavailable
            ? "unavailable"
            : absl::StrCat("rejected_", absl::AsciiStrToLower(ReasonOf(outcome.error))),
        item);
    return outcome.error;
  }
  saga_.CountOutcome(OutcomeOf(outcome.record.order), item);
  return std::move(outcome.record.order);
}

absl::StatusOr<v1::Order> Checkout::PlacePass(const auth::Claims& buyer,
                                              const v1::PlaceOrderRequest& request,
                                              absl::Time deadline) {
  auto reject = [&](const absl::Status& s) {
    saga_.CountOutcome(s.code() == absl::StatusCode::kUnavailable
                           ? "unavailable"
                           : absl::StrCat("rejected_", absl::AsciiStrToLower(ReasonOf(s))),
                       kPassItem);
    return s;
  };
  if (absl::Status s = ToStatus(ValidatePassOrder(request)); !s.ok()) return reject(s);
  v1::PlaceOrderRequest canonical = request;
  canonical.clear_idempotency_key();
  const std::string fingerprint = absl::BytesToHexString(canonical.SerializeAsString());
  const std::string& key = request.idempotency_key();
  const std::string& stream_id = request.access_stream_id();

  // A retry is answered from the order it made, whatever the stream has become since.
  ASSIGN_OR_RETURN(std::optional<KeyHit> hit, store_.FindKey(buyer.subject, key, absl::Now()));
  if (hit) return Replay(*hit, fingerprint, deadline);

  if (streams_ == nullptr) return reject(StreamsUnavailable());
  auto stream = streams_->Lookup(stream_id);
  if (!stream.ok()) return reject(MapStreamsError(stream.status()));
  // After the show a pass is for its replay, sold only while one is kept.
  bool replay_kept = false;
  if (access::StreamOver(*stream) && replays_ != nullptr) {
    auto kept = replays_->Kept(stream_id);
    if (!kept.ok()) return reject(ReplaysUnavailable());
    replay_kept = *kept;
  }
  auto quote = access::QuotePass(*stream, buyer.subject, buyer.role, replay_kept);
  if (!quote.ok()) return reject(quote.status());
  // One live pass per (buyer, stream); the store's unique index settles races.
  if (absl::Status s = LivePassError(buyer.subject, stream_id); !s.ok()) return reject(s);

  OrderRecord rec;
  v1::Order& o = rec.order;
  o.set_id(new_id_("ord"));
  o.set_buyer_id(buyer.subject);
  o.set_seller_id(quote->seller_id);
  o.set_stream_id(stream_id);
  o.set_status(v1::ORDER_STATUS_PENDING_PAYMENT);
  const common::v1::Money& price = quote->price;
  v1::OrderLine* line = o.add_lines();
  line->set_access_stream_id(stream_id);
  line->set_title(access::PassTitle(stream_id));
  line->set_quantity(1);
  *line->mutable_unit_price() = price;
  *line->mutable_line_total() = price;
  *o.mutable_subtotal() = price;
  o.mutable_shipping()->set_amount_minor(0);
  o.mutable_shipping()->set_currency(price.currency());
  *o.mutable_total() = price;
  o.mutable_payment()->set_id(new_id_("pay"));
  o.mutable_payment()->set_provider(options_.provider_name);
  // Nothing to lock: the saga starts with the payment.
  rec.step = step::kAuthorize;
  rec.method_token = request.payment_method().placeholder().token();
  rec.buyer_display_name = buyer.name;
  // The line's moment: when the viewer bought (there is no hold to date it).
  rec.reserved_at.push_back(TruncateToMicros(absl::Now()));

  auto placed = CreateAndRun(rec, key, fingerprint, deadline, kPassItem);
  if (!placed.ok() && ReasonOf(placed.status()) == "ACCESS_PASS_EXISTS") {
    // Another checkout of this pass (another key) was stored first.
    absl::Status s = LivePassError(buyer.subject, stream_id);
    return reject(s.ok() ? Error(absl::StatusCode::kAborted, "ACCESS_PASS_RACE",
                                 "another checkout of this pass just ended; retry")
                         : s);
  }
  return placed;
}

absl::Status Checkout::LivePassError(const std::string& buyer_id, const std::string& stream_id) {
  ASSIGN_OR_RETURN(std::optional<LivePass> live, store_.FindLivePass(buyer_id, stream_id));
  if (!live) return absl::OkStatus();
  if (live->status == v1::ORDER_STATUS_CONFIRMED) {
    return Error(
        absl::StatusCode::kFailedPrecondition, "ALREADY_ENTITLED",
        absl::StrCat("you already hold an access pass to this stream (order ", live->order_id, ")"),
        "access_stream_id");
  }
  return Error(absl::StatusCode::kFailedPrecondition, "ACCESS_PASS_PENDING",
               absl::StrCat("an access pass to this stream is being paid (order ", live->order_id,
                            "); retry that checkout with its idempotency key"),
               "access_stream_id");
}

absl::StatusOr<v1::Order> Checkout::Replay(const KeyHit& hit, const std::string& fingerprint,
                                           absl::Time deadline) {
  if (hit.fingerprint != fingerprint) {
    return Error(absl::StatusCode::kFailedPrecondition, "IDEMPOTENCY_KEY_REUSED",
                 "this idempotency key was used for a different request", "idempotency_key");
  }
  return RunOrWait(hit.order_id, deadline);
}

absl::StatusOr<v1::Order> Checkout::RunOrWait(const std::string& order_id, absl::Time deadline) {
  ASSIGN_OR_RETURN(RunOutcome outcome, saga_.Run(order_id));
  if (outcome.ran) {
    if (!outcome.error.ok() && outcome.error.code() == absl::StatusCode::kUnavailable) {
      return outcome.error;
    }
    return std::move(outcome.record.order);
  }
  ASSIGN_OR_RETURN(OrderRecord rec, saga_.WaitWhileRunning(order_id, WaitDeadline(deadline)));
  return std::move(rec.order);
}

absl::StatusOr<v1::Order> Checkout::Get(const auth::Caller& caller, const std::string& order_id) {
  if (!ids::IsValidId(order_id, "ord")) return NotFound("ORDER_NOT_FOUND", "no such order");
  ASSIGN_OR_RETURN(OrderRecord rec, store_.Get(order_id));
  const v1::Order& o = rec.order;
  if (caller.user_id != o.buyer_id() && caller.user_id != o.seller_id() &&
      caller.role != auth::Role::kAdmin) {
    return NotFound("ORDER_NOT_FOUND", "no such order");
  }
  return std::move(rec.order);
}

absl::Status Checkout::List(const auth::Caller& caller, const v1::ListOrdersRequest& request,
                            v1::ListOrdersResponse* response) {
  ListQuery q;
  switch (request.role()) {
    case v1::ORDER_ROLE_BUYER:
      break;
    case v1::ORDER_ROLE_SELLER:
      RETURN_IF_ERROR(auth::RequireRole(caller, auth::Role::kHost));
      q.as_seller = true;
      break;
    default:
      return InvalidArgument("role", "ROLE_REQUIRED", "role must be BUYER or SELLER");
  }
  q.user_id = caller.user_id;
  for (int s : request.statuses()) {
    if (!v1::OrderStatus_IsValid(s) || s == v1::ORDER_STATUS_UNSPECIFIED) {
      return InvalidArgument("statuses", "STATUS_INVALID", "unknown order status");
    }
    q.statuses.push_back(s);
  }
  std::sort(q.statuses.begin(), q.statuses.end());
  q.statuses.erase(std::unique(q.statuses.begin(), q.statuses.end()), q.statuses.end());
  q.stream_id = request.stream_id();
  if (request.has_created_after()) q.created_after = FromProto(request.created_after());
  if (request.has_created_before()) q.created_before = FromProto(request.created_before());
  if (q.created_after >= q.created_before) {
    return InvalidArgument("created_before", "RANGE_INVALID",
                           "created_before must be later than created_after");
  }
  const int size = request.page().page_size();
  if (size < 0 || size > kMaxPageSize) {
    return InvalidArgument("page.page_size", "PAGE_SIZE_INVALID",
                           absl::StrCat("page_size must be 0..", kMaxPageSize));
  }
  q.limit = (size == 0 ? kDefaultPageSize : size) + 1;
  // The token is bound to the list and every filter, so it cannot be replayed on another.
  const std::string list =
      absl::StrCat("orders;", q.as_seller ? "seller;" : "buyer;", q.user_id, ";", q.stream_id, ";",
                   absl::StrJoin(q.statuses, ","), ";", absl::ToUnixMicros(q.created_after), ";",
                   absl::ToUnixMicros(q.created_before));
  if (!request.page().page_token().empty()) {
    ASSIGN_OR_RETURN(pagetoken::Cursor cursor,
                     page_tokens_.Decode(list, request.page().page_token()));
    q.after_created = absl::FromUnixMicros(cursor.key);
    q.after_id = cursor.id;
  }
  ASSIGN_OR_RETURN(std::vector<OrderRecord> rows, store_.List(q));
  const bool more = static_cast<int>(rows.size()) == q.limit;
  if (more) rows.pop_back();
  for (OrderRecord& r : rows) *response->add_orders() = std::move(r.order);
  if (more) {
    const v1::Order& last = response->orders(response->orders_size() - 1);
    response->mutable_page()->set_next_page_token(page_tokens_.Encode(
        list, pagetoken::Cursor{absl::ToUnixMicros(FromProto(last.created_at())), last.id()}));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Order> Checkout::ResumePayment(const std::string& payment_id,
                                                  absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string order_id, store_.OrderOfPayment(payment_id));
  return RunOrWait(order_id, deadline);
}

}  // namespace shopcast::order::checkout
