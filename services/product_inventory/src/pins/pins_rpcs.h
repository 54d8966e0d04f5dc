#pragma once

// The pins RPCs: PinProduct and UnpinProduct (the stream's host or an admin), and the public
// ListPinnedProducts. Each authenticates the caller, checks the request's shape and runs its
// store work on the executor.

#include "common/rpc_prologue.h"
#include "pins/pins_store.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/product_inventory/v1/product_inventory.grpc.pb.h"
#include "shopcast/server/executor.h"

namespace shopcast::product_inventory::pins {

#define SHOPCAST_PI_PINS_RPC(Method)                                   \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx,   \
                                   const v1::Method##Request* request, \
                                   v1::Method##Response* response)

class PinsRpcs {
 public:
  // `revoked` may be null (no revocation list). `max_pins` bounds PinProductRequest.position.
  PinsRpcs(PinsStore& store, const auth::TokenVerifier& verifier,
           const auth::RevocationList* revoked, server::Executor& executor, int max_pins);

  SHOPCAST_PI_PINS_RPC(PinProduct);
  SHOPCAST_PI_PINS_RPC(UnpinProduct);
  SHOPCAST_PI_PINS_RPC(ListPinnedProducts);

 private:
  PinsStore& store_;
  const CallerAuth callers_;
  server::Executor& executor_;
  int max_pins_;
};

#undef SHOPCAST_PI_PINS_RPC

}  // namespace shopcast::product_inventory::pins
