#include "shopcast/clients/internal.h"

#include "absl/strings/match.h"
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
  // A multi-address target ("ipv4:h:1,h:2", replicas behind one channel) has no one name to
  // check the peers' certificates against (its default authority is the whole list): its first
  // address is the authority, so the certificates must name that host (on one machine all are
  // 127.0.0.1; on Kubernetes targets are dns:///<service> and certificates name the Service).
  if ((absl::StartsWith(target, "ipv4:") || absl::StartsWith(target, "ipv6:")) &&
      absl::StrContains(target, ',')) {
    absl::string_view first = target.substr(5);
    first = first.substr(0, first.find(','));
    args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, std::string(first));
  }
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
