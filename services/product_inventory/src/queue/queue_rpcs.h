#pragma once

// The queue's RPCs: ConfigureQueue, Enqueue, GetQueuePosition, LeaveQueue, ClaimQueueOffer.
// Authentication and input checks here, state in QueueStore (on the service executor, never on
// a gRPC thread); after a committed change the advancer is woken and the length marked for
// the room's coalesced announcement.

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "common/rpc_prologue.h"
#include "queue/queue_advancer.h"
#include "queue/queue_events.h"
#include "queue/queue_store.h"
#include "shopcast/auth/caller.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/product_inventory/v1/product_inventory.grpc.pb.h"
#include "shopcast/server/executor.h"

namespace shopcast::product_inventory::queue {

#define SHOPCAST_PI_QUEUE_RPC(Method)                                  \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx,   \
                                   const v1::Method##Request* request, \
                                   v1::Method##Response* response)

class QueueRpcs {
 public:
  // Everything outlives this; `revoked` may be null. `stock_changed(product_id)` after a
  // committed change of the product's stock (an offer's hold released by LeaveQueue).
  QueueRpcs(QueueStore& store, QueueAdvancer& advancer, QueueEvents& events,
            const auth::TokenVerifier& verifier, const auth::RevocationList* revoked,
            server::Executor& executor, std::function<void(const std::string&)> stock_changed);

  SHOPCAST_PI_QUEUE_RPC(ConfigureQueue);
  SHOPCAST_PI_QUEUE_RPC(Enqueue);
  SHOPCAST_PI_QUEUE_RPC(GetQueuePosition);
  SHOPCAST_PI_QUEUE_RPC(LeaveQueue);
  SHOPCAST_PI_QUEUE_RPC(ClaimQueueOffer);

 private:
  QueueStore& store_;
  QueueAdvancer& advancer_;
  QueueEvents& events_;
  const CallerAuth callers_;
  server::Executor& executor_;
  std::function<void(const std::string&)> stock_changed_;
};

#undef SHOPCAST_PI_QUEUE_RPC

}  // namespace shopcast::product_inventory::queue
