#pragma once

// PlaceOrder, GetOrder, ListOrders and the resumption of a settled payment, on plain types:
// the RPC surface (checkout_rpcs.h) authenticates and maps statuses; this decides.
//
// Idempotency (like Stripe's): a PlaceOrder is identified by (buyer, idempotency_key) for
// CheckoutOptions::key_ttl (24 h). The first call stores the key with the request's
// fingerprint in the transaction that creates the order; a later call with the key and the
// same request runs nothing new: it resumes the same saga if nobody runs it, or waits for the
// runner (up to its deadline) and returns the order as it then stands. The same key with
// another request is FAILED_PRECONDITION IDEMPOTENCY_KEY_REUSED. Two first calls racing with
// one key make one order: the key's primary key admits one, the other call becomes a retry.
//
// Access passes (PlaceOrder with access_stream_id) go through the same keys, store, saga and
// provider: priced from video-ingest's LookupStreams (access::QuotePass), one live pass order
// per (buyer, stream) (FAILED_PRECONDITION ALREADY_ENTITLED when it is paid,
// ACCESS_PASS_PENDING while it is being paid), no shipping address.

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "access/replays.h"
#include "access/streams.h"
#include "checkout/inventory.h"
#include "checkout/order_store.h"
#include "checkout/saga.h"
#include "shopcast/auth/caller.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/order/v1/order.pb.h"
#include "shopcast/pagetoken/codec.h"

namespace shopcast::order::checkout {

struct CheckoutOptions {
  // How long an idempotency key is remembered.
  absl::Duration key_ttl = absl::Hours(24);
  // Stored on payments (PaymentProvider::name()).
  std::string provider_name = "placeholder";
  // The longest a retry waits for a running first call when its own deadline is later (or
  // unset); and how much earlier than its deadline it gives up, so its answer still arrives.
  absl::Duration max_wait = absl::Seconds(30);
  absl::Duration wait_margin = absl::Milliseconds(500);
};

class Checkout {
 public:
  // Everything outlives the Checkout. `new_id` makes "<prefix>_…" ids.
  // `streams` (video-ingest) may be null: access passes are then UNAVAILABLE.
  // `replays` null: no pass is sold for a show that has ended (no recording-lifecycle).
  Checkout(OrderStore& store, Inventory& inventory, access::Streams* streams,
           access::Replays* replays, CheckoutSaga& saga, const pagetoken::Codec& page_tokens,
           CheckoutOptions options, std::function<std::string(absl::string_view)> new_id);

  // The buyer's order for `request` (validated here), created and paid, or as it stands when
  // the saga stopped (pending payment) or the first call still runs at `deadline`.
  absl::StatusOr<v1::Order> Place(const auth::Claims& buyer, const v1::PlaceOrderRequest& request,
                                  absl::Time deadline);
  // The order if `caller` is its buyer, its seller or an admin; NOT_FOUND ORDER_NOT_FOUND
  // otherwise, as for an unknown id.
  absl::StatusOr<v1::Order> Get(const auth::Caller& caller, const std::string& order_id);
  // The caller's orders as buyer or seller, newest first, one page.
  absl::Status List(const auth::Caller& caller, const v1::ListOrdersRequest& request,
                    v1::ListOrdersResponse* response);
  // After the provider settled `payment_id` (CompletePlaceholderPayment): runs its order's
  // saga on (or waits for whoever runs it) and returns the order. NOT_FOUND PAYMENT_NOT_FOUND.
  absl::StatusOr<v1::Order> ResumePayment(const std::string& payment_id, absl::Time deadline);

 private:
  // PlaceOrder of an access pass (the request names access_stream_id).
  absl::StatusOr<v1::Order> PlacePass(const auth::Claims& buyer,
                                      const v1::PlaceOrderRequest& request, absl::Time deadline);
  // Why `buyer_id` cannot start another pass order for the stream, if they have a live one.
  absl::Status LivePassError(const std::string& buyer_id, const std::string& stream_id);
  // Stores the new order with its key and runs its saga; a key stored meanwhile is replayed.
  absl::StatusOr<v1::Order> CreateAndRun(const OrderRecord& rec, const std::string& key,
                                         const std::string& fingerprint, absl::Time deadline,
                                         const std::string& item);
  // A call whose key is already stored: the same saga, never a second one.
  absl::StatusOr<v1::Order> Replay(const KeyHit& hit, const std::string& fingerprint,
                                   absl::Time deadline);
  absl::StatusOr<v1::Order> RunOrWait(const std::string& order_id, absl::Time deadline);
  absl::Time WaitDeadline(absl::Time deadline) const;

  OrderStore& store_;
  Inventory& inventory_;
  access::Streams* streams_;
  access::Replays* replays_;
  CheckoutSaga& saga_;
  const pagetoken::Codec& page_tokens_;
  const CheckoutOptions options_;
  std::function<std::string(absl::string_view)> new_id_;
};

}  // namespace shopcast::order::checkout
