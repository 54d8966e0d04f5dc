#pragma once

// Calling peer services: every outgoing call has a deadline (never later than the caller's
// own), carries the caller's token and request id, and its status is mapped back into ours.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"

namespace shopcast::clients {

// Opens a channel to `target` ("host:port", "dns:///name:port"). Empty targets are a startup
// misconfiguration: InvalidArgument naming `peer`.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(absl::string_view peer,
                                                           absl::string_view target);

// Sets on `out` a deadline of now + `timeout`, or the caller's deadline if that is sooner, and
// forwards `authorization` and `x-request-id` from `parent` (null for calls of our own, such
// as the outbox relay).
void PrepareContext(grpc::ClientContext& out, const grpc::ServerContextBase* parent,
                    absl::Duration timeout, absl::Time now = absl::Now());

// Maps a peer's status into ours. The peer's reason (trailing metadata) is kept. A peer that
// is down or slow becomes UNAVAILABLE/PEER_UNAVAILABLE or DEADLINE_EXCEEDED; a peer's
// INTERNAL stays INTERNAL (it is not the caller's fault); caller errors keep their code.
absl::Status FromPeerStatus(absl::string_view peer, const grpc::Status& status,
                            const grpc::ClientContext& ctx);

// Calls `method` on `stub` with a prepared context; returns the response or the mapped error.
template <typename Stub, typename Request, typename Response>
absl::StatusOr<Response> Call(absl::string_view peer, Stub& stub,
                              grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                           Response*),
                              const Request& request, const grpc::ServerContextBase* parent,
                              absl::Duration timeout) {
  grpc::ClientContext ctx;
  PrepareContext(ctx, parent, timeout);
  Response response;
  grpc::Status status = (stub.*method)(&ctx, request, &response);
  if (!status.ok()) return FromPeerStatus(peer, status, ctx);
  return response;
}

}  // namespace shopcast::clients
