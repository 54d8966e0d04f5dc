#pragma once

// The stock area's RPCs: public stock reads, the owner's restock/write-off, the buyer's
// reservations (Reserve through the ReserveBatcher's callback API, so a hot product's buyers
// never hold a gRPC or executor thread while their batch commits), and the order service's
// internal checkout calls. Each committed change marks the product for the coalesced room
// announcement (StockEvents).

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/hooks.h"
#include "common/rpc_prologue.h"
#include "shopcast/auth/caller.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/pagetoken/codec.h"
#include "shopcast/product_inventory/v1/product_inventory.grpc.pb.h"
#include "shopcast/server/executor.h"
#include "stock/reserve_batcher.h"
#include "stock/stock_events.h"
#include "stock/stock_proto.h"
#include "stock/stock_store.h"

namespace shopcast::product_inventory::stock {

// What a reservation shows of its product and what ownership checks need.
struct ProductFacts {
  std::string seller_id;
  std::string stream_id;
  int status = 0;     // v1::ProductStatus.
  int sale_mode = 0;  // v1::SaleMode.
  int64_t price_minor = 0;
  std::string currency;
  // auc_… of the product's open auction; '' for none.
  std::string open_auction_id;
  // In queue mode (the queue area's): units go to tickets only, Reserve is refused.
  bool queue_mode = false;
};

// Fills GetReservationForCheckoutResponse's product and shipping profile (the catalogue's).
using CheckoutLookup = std::function<absl::Status(const std::string& product_id,
                                                  v1::GetReservationForCheckoutResponse*)>;

#define SHOPCAST_PI_STOCK_RPC(Method)                                  \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx,   \
                                   const v1::Method##Request* request, \
                                   v1::Method##Response* response)

class StockRpcs {
 public:
  // Everything outlives this; `revoked` may be null.
  StockRpcs(StockStore& store, ReserveBatcher& batcher, StockEvents& events,
            const auth::TokenVerifier& verifier, const auth::RevocationList* revoked,
            const pagetoken::Codec& page_tokens, server::Executor& executor,
            CheckoutLookup checkout_lookup);
  ~StockRpcs();

  // The running sales (auctions, lotteries) a write-off must not break; the App's list, filled
  // before serving. Without it AdjustStock checks none.
  void SetSaleGuards(const SaleGuards* guards) { guards_ = guards; }

  // Public.
  SHOPCAST_PI_STOCK_RPC(GetStock);
  SHOPCAST_PI_STOCK_RPC(AdjustStock);
  SHOPCAST_PI_STOCK_RPC(ScheduleFlashSale);
  SHOPCAST_PI_STOCK_RPC(EndFlashSale);
  SHOPCAST_PI_STOCK_RPC(Reserve);
  SHOPCAST_PI_STOCK_RPC(ReleaseReservation);
  SHOPCAST_PI_STOCK_RPC(GetReservation);
  SHOPCAST_PI_STOCK_RPC(ListMyReservations);

  // Internal (the order service, on the mTLS listener).
  SHOPCAST_PI_STOCK_RPC(GetReservationForCheckout);
  SHOPCAST_PI_STOCK_RPC(LockReservationForCheckout);
  SHOPCAST_PI_STOCK_RPC(CommitReservation);
  SHOPCAST_PI_STOCK_RPC(ReleaseReservationForOrder);
  SHOPCAST_PI_STOCK_RPC(ReturnCommittedStock);

 private:
  class FactsCache;

  // The product's facts from the database (and refreshes the cache). NOT_FOUND if unknown.
  absl::StatusOr<ProductFacts> LoadFacts(const std::string& product_id);
  // `hold` as the API shows it.
  absl::StatusOr<v1::Reservation> ToReservation(const Hold& hold);
  // After a committed change to `stock`'s product: for the room, once coalesced.
  void Changed(const std::string& product_id) { events_.MarkDirty(product_id); }
  // Queues `request` of `caller` (whose product is `facts`) on the batcher; finishes the call.
  void ReserveWith(grpc::CallbackServerContext* ctx, grpc::ServerUnaryReactor* reactor,
                   ReserveRequest request, std::shared_ptr<const ProductFacts> facts,
                   v1::ReserveResponse* response);

  StockStore& store_;
  ReserveBatcher& batcher_;
  StockEvents& events_;
  const CallerAuth callers_;
  const pagetoken::Codec& page_tokens_;
  server::Executor& executor_;
  CheckoutLookup checkout_lookup_;
  std::unique_ptr<FactsCache> facts_;
  const SaleGuards* guards_ = nullptr;
};

#undef SHOPCAST_PI_STOCK_RPC

// The API's view of a hold's state (IN_CHECKOUT is read from the hold's lock).
v1::ReservationStatus StatusOf(HoldState state);
// Reservation.source and the id of what granted the hold (auction_id, queue_ticket_id,
// lottery_id).
void SetSource(const Hold& hold, v1::Reservation* r);

}  // namespace shopcast::product_inventory::stock
