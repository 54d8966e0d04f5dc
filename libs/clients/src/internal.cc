#include "shopcast/clients/internal.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/support/channel_arguments.h"
#include "shopcast/clients/call.h"
#include "shopcast/status/status.h"
#include "shopcast/user/v1/user.grpc.pb.h"

namespace shopcast::clients {

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeInternalChannel(
    absl::string_view peer, absl::string_view target, const auth::ServiceTls& tls) {
  if (target.empty()) {
    return Error(absl::StatusCode::kInvalidArgument, "PEER_ADDRESS_MISSING",
                 absl::StrCat("no internal address configured for peer ", peer));
  }
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetLoadBalancingPolicyName("round_robin");
  return grpc::CreateCustomChannel(std::string(target), auth::InternalChannelCredentials(tls),
                                   args);
}

auth::RevocationSource UserRevocationSource(std::shared_ptr<grpc::Channel> channel,
                                            absl::Duration deadline) {
  std::shared_ptr<user::v1::UserInternalService::Stub> stub =
      user::v1::UserInternalService::NewStub(std::move(channel));
  return [stub, deadline](int64_t after) -> absl::StatusOr<auth::RevocationBatch> {
    user::v1::ListRevocationsRequest request;
    request.set_after_sequence(after);
    ASSIGN_OR_RETURN(user::v1::ListRevocationsResponse response,
                     Call("user", *stub, &user::v1::UserInternalService::Stub::ListRevocations,
                          request, nullptr, deadline));
    auth::RevocationBatch batch;
    batch.more = response.more();
    for (const user::v1::Revocation& r : response.revocations()) {
      auth::Revocation out;
      out.sequence = r.sequence();
      out.user_id = r.user_id();
      out.session_id = r.session_id();
      out.not_before = r.user_deleted()
                           ? absl::InfiniteFuture()
                           : absl::FromUnixSeconds(r.tokens_issued_before().seconds());
      batch.revocations.push_back(std::move(out));
    }
    return batch;
  };
}

}  // namespace shopcast::clients
