// UserService.DeleteAccount: kept apart from user_service.cc with the other stale-authority code.
#include "shopcast/server/unary.h"
#include "user_service.h"

namespace shopcast::user {

grpc::ServerUnaryReactor* UserServiceImpl::DeleteAccount(grpc::CallbackServerContext* ctx,
                                                         const pb::DeleteAccountRequest* req,
                                                         pb::DeleteAccountResponse*) {
  auto caller = Authenticate(*ctx);
  if (!caller.ok()) return server::FinishNow(ctx, caller.status());
  return server::RunBlocking(ctx, executor_, [this, req, c = *caller]() -> absl::Status {
    return accounts_.DeleteAccount(c, req->user_id());
  });
}

}  // namespace shopcast::user
