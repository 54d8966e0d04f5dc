#include "shopcast/clients/call.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "shopcast/status/status.h"

namespace shopcast::clients {
namespace {

void Forward(grpc::ClientContext& out, const grpc::ServerContextBase& parent, const char* key) {
  const auto& md = parent.client_metadata();
  auto it = md.find(key);
  if (it != md.end()) out.AddMetadata(key, std::string(it->second.data(), it->second.size()));
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(absl::string_view peer,
                                                           absl::string_view target) {
  if (target.empty()) {
    return Error(absl::StatusCode::kInvalidArgument, "PEER_ADDRESS_MISSING",
                 absl::StrCat("no address configured for peer ", peer));
  }
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetLoadBalancingPolicyName("round_robin");
  return grpc::CreateCustomChannel(std::string(target), grpc::InsecureChannelCredentials(), args);
}

void PrepareContext(grpc::ClientContext& out, const grpc::ServerContextBase* parent,
                    absl::Duration timeout, absl::Time now) {
  absl::Time deadline = now + timeout;
  if (parent != nullptr) {
    absl::Time parent_deadline = absl::FromChrono(parent->deadline());
    deadline = std::min(deadline, parent_deadline);
    Forward(out, *parent, "authorization");
    Forward(out, *parent, "x-request-id");
  }
  out.set_deadline(absl::ToChronoTime(deadline));
}

absl::Status FromPeerStatus(absl::string_view peer, const grpc::Status& status,
                            const grpc::ClientContext& ctx) {
  if (status.ok()) return absl::OkStatus();
  std::string reason;
  const auto& trailers = ctx.GetServerTrailingMetadata();
  auto it = trailers.find("shopcast-error-reason");
  if (it != trailers.end()) reason.assign(it->second.data(), it->second.size());
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      return Error(absl::StatusCode::kUnavailable, reason.empty() ? "PEER_UNAVAILABLE" : reason,
                   absl::StrCat(peer, " is unavailable"));
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return Error(absl::StatusCode::kDeadlineExceeded, "PEER_DEADLINE_EXCEEDED",
                   absl::StrCat(peer, " did not answer in time"));
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::DATA_LOSS:
      return absl::InternalError(absl::StrCat(peer, ": ", status.error_message()));
    default:
      return Error(static_cast<absl::StatusCode>(status.error_code()), reason,
                   status.error_message());
  }
}

}  // namespace shopcast::clients
