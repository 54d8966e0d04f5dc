#pragma once

// The clips' and thumbnails' RPCs (CreateClip, GetClip, ListClips, DeleteClip, ListThumbnails,
// SetPrimaryThumbnail): the caller from its token (optional on the public reads), the blocking
// work on the service's executor, statuses out. The app's RecordingLifecycleService delegates
// these six methods here.

#include <optional>

#include "clips/clips.h"
#include "grpcpp/grpcpp.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/recording_lifecycle/v1/recording_lifecycle.grpc.pb.h"
#include "shopcast/server/executor.h"

namespace shopcast::recording_lifecycle::clips {

class ClipsRpcs {
 public:
  // Everything outlives the object; `revoked` may be null.
  ClipsRpcs(Clips& clips, const auth::TokenVerifier& verifier, const auth::RevocationList* revoked,
            server::Executor& executor)
      : clips_(clips), verifier_(verifier), revoked_(revoked), executor_(executor) {}

  grpc::ServerUnaryReactor* CreateClip(grpc::CallbackServerContext* ctx,
                                       const v1::CreateClipRequest* request,
                                       v1::CreateClipResponse* response);
  grpc::ServerUnaryReactor* GetClip(grpc::CallbackServerContext* ctx,
                                    const v1::GetClipRequest* request,
                                    v1::GetClipResponse* response);
  grpc::ServerUnaryReactor* ListClips(grpc::CallbackServerContext* ctx,
                                      const v1::ListClipsRequest* request,
                                      v1::ListClipsResponse* response);
  grpc::ServerUnaryReactor* DeleteClip(grpc::CallbackServerContext* ctx,
                                       const v1::DeleteClipRequest* request,
                                       v1::DeleteClipResponse* response);
  grpc::ServerUnaryReactor* ListThumbnails(grpc::CallbackServerContext* ctx,
                                           const v1::ListThumbnailsRequest* request,
                                           v1::ListThumbnailsResponse* response);
  grpc::ServerUnaryReactor* SetPrimaryThumbnail(grpc::CallbackServerContext* ctx,
                                                const v1::SetPrimaryThumbnailRequest* request,
                                                v1::SetPrimaryThumbnailResponse* response);

 private:
  absl::StatusOr<auth::Caller> Authenticate(const grpc::CallbackServerContext& ctx) const;
  // No authorization metadata: anonymous; a bad token is still UNAUTHENTICATED.
  absl::StatusOr<std::optional<auth::Caller>> MaybeAuthenticate(
      const grpc::CallbackServerContext& ctx) const;

  Clips& clips_;
  const auth::TokenVerifier& verifier_;
  const auth::RevocationList* revoked_;
  server::Executor& executor_;
};

}  // namespace shopcast::recording_lifecycle::clips
