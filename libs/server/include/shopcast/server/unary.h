#pragma once

// Glue between the gRPC callback API and blocking service code.

#include <exception>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "grpcpp/support/time.h"
#include "shopcast/server/executor.h"
#include "shopcast/server/status.h"
#include "shopcast/status/status.h"

namespace shopcast::server {

// Runs `fn` (absl::Status()) on `executor` and finishes the call with its result, so the
// library's reactor threads never block. A saturated executor fails the call fast with
// UNAVAILABLE/SERVER_OVERLOADED (clients retry elsewhere); a call whose client has gone or
// whose deadline passed while queued is not run at all.
template <typename Fn>
grpc::ServerUnaryReactor* RunBlocking(grpc::CallbackServerContext* ctx, Executor& executor, Fn fn) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  bool queued = executor.TrySubmit([ctx, reactor, fn = std::move(fn)]() mutable {
    if (ctx->IsCancelled()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "call cancelled"));
      return;
    }
    if (absl::FromChrono(ctx->deadline()) < absl::Now()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "deadline exceeded"));
      return;
    }
    absl::Status status;
    try {
      status = fn();
    } catch (const std::exception& e) {
      // Handlers return statuses; an exception here is a bug, reported without its text.
      status = absl::InternalError(e.what());
    }
    reactor->Finish(ToGrpcStatus(status, ctx));
  });
  if (!queued) {
    reactor->Finish(ToGrpcStatus(Error(absl::StatusCode::kUnavailable, "SERVER_OVERLOADED",
                                       "server is overloaded, retry later"),
                                 ctx));
  }
  return reactor;
}

// Finishes immediately with `status` (for calls rejected before any blocking work).
inline grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* ctx,
                                           const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status, ctx));
  return reactor;
}

// The client's request id (x-request-id metadata), or "" when absent.
std::string RequestIdOf(const grpc::ServerContextBase& ctx);

}  // namespace shopcast::server
