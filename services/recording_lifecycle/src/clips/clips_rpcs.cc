#include "clips/clips_rpcs.h"

#include "absl/time/clock.h"
#include "shopcast/auth/caller.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::clips {

absl::StatusOr<auth::Caller> ClipsRpcs::Authenticate(const grpc::CallbackServerContext& ctx) const {
  return auth::AuthenticateCaller(ctx, verifier_, revoked_, absl::Now());
}

absl::StatusOr<std::optional<auth::Caller>> ClipsRpcs::MaybeAuthenticate(
    const grpc::CallbackServerContext& ctx) const {
  if (ctx.client_metadata().find("authorization") == ctx.client_metadata().end()) {
    return std::optional<auth::Caller>();
  }
  ASSIGN_OR_RETURN(auth::Caller caller, Authenticate(ctx));
  return std::optional<auth::Caller>(std::move(caller));
}

grpc::ServerUnaryReactor* ClipsRpcs::CreateClip(grpc::CallbackServerContext* ctx,
                                                const v1::CreateClipRequest* request,
                                                v1::CreateClipResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, Authenticate(*ctx));
    ASSIGN_OR_RETURN(*response->mutable_clip(), clips_.Create(caller, *request));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ClipsRpcs::GetClip(grpc::CallbackServerContext* ctx,
                                             const v1::GetClipRequest* request,
                                             v1::GetClipResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<auth::Caller> caller, MaybeAuthenticate(*ctx));
    ASSIGN_OR_RETURN(*response->mutable_clip(), clips_.Get(caller, *request));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ClipsRpcs::ListClips(grpc::CallbackServerContext* ctx,
                                               const v1::ListClipsRequest* request,
                                               v1::ListClipsResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<auth::Caller> caller, MaybeAuthenticate(*ctx));
    ASSIGN_OR_RETURN(*response, clips_.List(caller, *request));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ClipsRpcs::DeleteClip(grpc::CallbackServerContext* ctx,
                                                const v1::DeleteClipRequest* request,
                                                v1::DeleteClipResponse* /*response*/) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, Authenticate(*ctx));
    return clips_.Delete(caller, *request);
  });
}

grpc::ServerUnaryReactor* ClipsRpcs::ListThumbnails(grpc::CallbackServerContext* ctx,
                                                    const v1::ListThumbnailsRequest* request,
                                                    v1::ListThumbnailsResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<auth::Caller> caller, MaybeAuthenticate(*ctx));
    ASSIGN_OR_RETURN(*response, clips_.ListThumbnails(caller, *request));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ClipsRpcs::SetPrimaryThumbnail(
    grpc::CallbackServerContext* ctx, const v1::SetPrimaryThumbnailRequest* request,
    v1::SetPrimaryThumbnailResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, Authenticate(*ctx));
    ASSIGN_OR_RETURN(*response->mutable_recording(), clips_.SetPrimaryThumbnail(caller, *request));
    return absl::OkStatus();
  });
}

}  // namespace shopcast::recording_lifecycle::clips
