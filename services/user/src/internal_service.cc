#include "internal_service.h"

#include "shopcast/server/unary.h"

namespace shopcast::user {

UserInternalServiceImpl::UserInternalServiceImpl(Accounts& accounts, server::Executor& executor)
    : accounts_(accounts), executor_(executor) {}

grpc::ServerUnaryReactor* UserInternalServiceImpl::ListRevocations(
    grpc::CallbackServerContext* ctx, const v1::ListRevocationsRequest* req,
    v1::ListRevocationsResponse* res) {
  return server::RunBlocking(ctx, executor_, [this, req, res]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::RevocationBatch batch,
                     accounts_.ListRevocations(req->after_sequence(), req->page_size()));
    res->set_more(batch.more);
    for (const auth::Revocation& r : batch.revocations) {
      v1::Revocation* out = res->add_revocations();
      out->set_sequence(r.sequence);
      out->set_user_id(r.user_id);
      out->set_session_id(r.session_id);
      if (r.not_before == absl::InfiniteFuture()) {
        out->set_user_deleted(true);
      } else {
        out->mutable_tokens_issued_before()->set_seconds(absl::ToUnixSeconds(r.not_before));
      }
    }
    return absl::OkStatus();
  });
}

}  // namespace shopcast::user
