#include "shopcast/clients/internal.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/support/channel_arguments.h"
#include "shopcast/clients/call.h"
#include "shopcast/status/status.h"
#include "shopcast/user/v1/user.grpc.pb.h"

namespace shopcast::clients {

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeInternalChannel(absl::string_view peer,
                                                                   absl::string_view target,
                                                                   const auth::ServiceTls& tls) {
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
  // The call in progress, so Stop() can cancel a long poll; once cancelled, every later fetch
  // fails at once (one starting just after the cancel would otherwise be held for its wait).
  struct Calls {
    absl::Mutex mu;
    grpc::ClientContext* current ABSL_GUARDED_BY(mu) = nullptr;
    bool cancelled ABSL_GUARDED_BY(mu) = false;
  };
  auto calls = std::make_shared<Calls>();
  std::shared_ptr<user::v1::UserInternalService::Stub> stub =
      user::v1::UserInternalService::NewStub(std::move(channel));
  auto fetch = [stub, deadline, calls](
                   int64_t after, absl::Duration wait) -> absl::StatusOr<auth::RevocationBatch> {
    user::v1::ListRevocationsRequest request;
    request.set_after_sequence(after);
    if (wait > absl::ZeroDuration()) {
      const int64_t ms = absl::ToInt64Milliseconds(wait);
      request.mutable_wait()->set_seconds(ms / 1000);
      request.mutable_wait()->set_nanos(static_cast<int32_t>(ms % 1000) * 1'000'000);
    }
    grpc::ClientContext ctx;
    // A held call needs its wait on top of the usual bound.
    PrepareContext(ctx, nullptr, deadline + std::max(wait, absl::ZeroDuration()));
    {
      absl::MutexLock lock(&calls->mu);
      if (calls->cancelled) return absl::CancelledError("revocation sync stopped");
      calls->current = &ctx;
    }
    user::v1::ListRevocationsResponse response;
    const grpc::Status status = stub->ListRevocations(&ctx, request, &response);
    {
      absl::MutexLock lock(&calls->mu);
      calls->current = nullptr;
    }
    if (!status.ok()) return FromPeerStatus("user", status, ctx);
    auth::RevocationBatch batch;
    batch.more = response.more();
    for (const user::v1::Revocation& r : response.revocations()) {
      auth::Revocation out;
      out.sequence = r.sequence();
      out.user_id = r.user_id();
      out.session_id = r.session_id();
      out.not_before = r.user_deleted() ? absl::InfiniteFuture()
                                        : absl::FromUnixSeconds(r.tokens_issued_before().seconds());
      batch.revocations.push_back(std::move(out));
    }
    return batch;
  };
  auto cancel = [calls] {
    absl::MutexLock lock(&calls->mu);
    calls->cancelled = true;
    if (calls->current != nullptr) calls->current->TryCancel();
  };
  return auth::RevocationSource{std::move(fetch), std::move(cancel)};
}

}  // namespace shopcast::clients
