#pragma once

// The recordings RPCs at the gRPC edge: the caller from its token (optional for the public
// reads: no token is an anonymous viewer; a bad one is UNAUTHENTICATED), the work on the
// service's executor, statuses out.

#include "grpcpp/grpcpp.h"
#include "recordings/recordings.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/recording_lifecycle/v1/recording_lifecycle.grpc.pb.h"
#include "shopcast/server/executor.h"

namespace shopcast::recording_lifecycle::recordings {

class RecordingsRpcs {
 public:
  // Everything outlives the object; `revoked` may be null.
  RecordingsRpcs(Recordings& recordings, const auth::TokenVerifier& verifier,
                 const auth::RevocationList* revoked, server::Executor& executor)
      : recordings_(recordings), verifier_(verifier), revoked_(revoked), executor_(executor) {}

  grpc::ServerUnaryReactor* GetRecording(grpc::CallbackServerContext* ctx,
                                         const v1::GetRecordingRequest* request,
                                         v1::GetRecordingResponse* response);
  grpc::ServerUnaryReactor* ListRecordings(grpc::CallbackServerContext* ctx,
                                           const v1::ListRecordingsRequest* request,
                                           v1::ListRecordingsResponse* response);
  grpc::ServerUnaryReactor* ListMoments(grpc::CallbackServerContext* ctx,
                                        const v1::ListMomentsRequest* request,
                                        v1::ListMomentsResponse* response);
  grpc::ServerUnaryReactor* SaveOrDelete(grpc::CallbackServerContext* ctx,
                                         const v1::SaveOrDeleteRequest* request,
                                         v1::SaveOrDeleteResponse* response);
  grpc::ServerUnaryReactor* UpdateRecording(grpc::CallbackServerContext* ctx,
                                            const v1::UpdateRecordingRequest* request,
                                            v1::UpdateRecordingResponse* response);

 private:
  absl::StatusOr<Viewer> ViewerOf(const grpc::CallbackServerContext& ctx) const;
  absl::StatusOr<auth::Caller> CallerOf(const grpc::CallbackServerContext& ctx) const;

  Recordings& recordings_;
  const auth::TokenVerifier& verifier_;
  const auth::RevocationList* revoked_;
  server::Executor& executor_;
};

}  // namespace shopcast::recording_lifecycle::recordings
