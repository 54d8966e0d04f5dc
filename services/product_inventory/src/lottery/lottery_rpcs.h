#pragma once

// The lotteries' RPCs: StartLottery, EnterLottery, GetLottery, ListLotteries, DrawLottery,
// CancelLottery.
// Each authenticates the caller, checks the request's shape and runs its store work on the
// executor (the store blocks on PostgreSQL); errors carry a reason.

#include "common/rpc_prologue.h"
#include "lottery/entry_events.h"
#include "lottery/lottery_store.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/pagetoken/codec.h"
#include "shopcast/product_inventory/v1/product_inventory.grpc.pb.h"
#include "shopcast/server/executor.h"

namespace shopcast::product_inventory::lottery {

#define SHOPCAST_PI_LOTTERY_RPC(Method)                                \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx,   \
                                   const v1::Method##Request* request, \
                                   v1::Method##Response* response)

class LotteryRpcs {
 public:
  // `revoked` may be null (no revocation list).
  LotteryRpcs(LotteryStore& store, EntryEvents& entry_events, const auth::TokenVerifier& verifier,
              const auth::RevocationList* revoked, const pagetoken::Codec& page_tokens,
              server::Executor& executor);

  SHOPCAST_PI_LOTTERY_RPC(StartLottery);
  SHOPCAST_PI_LOTTERY_RPC(EnterLottery);
  SHOPCAST_PI_LOTTERY_RPC(GetLottery);
  SHOPCAST_PI_LOTTERY_RPC(ListLotteries);
  SHOPCAST_PI_LOTTERY_RPC(DrawLottery);
  SHOPCAST_PI_LOTTERY_RPC(CancelLottery);

 private:
  LotteryStore& store_;
  EntryEvents& entry_events_;
  const CallerAuth callers_;
  const pagetoken::Codec& page_tokens_;
  server::Executor& executor_;
};

#undef SHOPCAST_PI_LOTTERY_RPC

// The checked form of a StartLottery request at server time `now`: the window resolved to
// absolute times. INVALID_ARGUMENT with the field and reason otherwise.
absl::StatusOr<StartParams> CheckStart(const v1::StartLotteryRequest& request, absl::Time now);

}  // namespace shopcast::product_inventory::lottery
