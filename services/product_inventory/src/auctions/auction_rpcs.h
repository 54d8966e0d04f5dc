#pragma once

// The auctions' RPCs: StartAuction, PlaceBid, GetAuction, ListAuctions, ListBids, BuyNow,
// CloseAuction. Each authenticates the caller, checks the request's shape and runs its store
// work on the executor (the store blocks on PostgreSQL); errors carry a reason.

#include "auctions/auction_store.h"
#include "common/rpc_prologue.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/pagetoken/codec.h"
#include "shopcast/product_inventory/v1/product_inventory.grpc.pb.h"
#include "shopcast/server/executor.h"

namespace shopcast::product_inventory::auctions {

#define SHOPCAST_PI_AUCTIONS_RPC(Method)                               \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx,   \
                                   const v1::Method##Request* request, \
                                   v1::Method##Response* response)

class AuctionRpcs {
 public:
  // `revoked` may be null (no revocation list).
  AuctionRpcs(AuctionStore& store, const auth::TokenVerifier& verifier,
              const auth::RevocationList* revoked, const pagetoken::Codec& page_tokens,
              server::Executor& executor);

  SHOPCAST_PI_AUCTIONS_RPC(StartAuction);
  SHOPCAST_PI_AUCTIONS_RPC(PlaceBid);
  SHOPCAST_PI_AUCTIONS_RPC(GetAuction);
  SHOPCAST_PI_AUCTIONS_RPC(ListAuctions);
  SHOPCAST_PI_AUCTIONS_RPC(ListBids);
  SHOPCAST_PI_AUCTIONS_RPC(BuyNow);
  SHOPCAST_PI_AUCTIONS_RPC(CloseAuction);

 private:
  AuctionStore& store_;
  const CallerAuth callers_;
  const pagetoken::Codec& page_tokens_;
  server::Executor& executor_;
};

#undef SHOPCAST_PI_AUCTIONS_RPC

}  // namespace shopcast::product_inventory::auctions
