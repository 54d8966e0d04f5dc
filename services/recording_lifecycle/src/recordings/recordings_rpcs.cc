#include "recordings/recordings_rpcs.h"

#include "absl/time/clock.h"
#include "shopcast/auth/caller.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::recordings {

absl::StatusOr<Viewer> RecordingsRpcs::ViewerOf(const grpc::CallbackServerContext& ctx) const {
  const absl::StatusOr<std::string> token = auth::BearerTokenFromMetadata(ctx.client_metadata());
  if (!token.ok() && ReasonOf(token.status()) == "TOKEN_MISSING") return Viewer();
  ASSIGN_OR_RETURN(auth::Caller caller, CallerOf(ctx));
  return Viewer(std::move(caller));
}

absl::StatusOr<auth::Caller> RecordingsRpcs::CallerOf(
    const grpc::CallbackServerContext& ctx) const {
  return auth::AuthenticateCaller(ctx, verifier_, revoked_, absl::Now());
}

grpc::ServerUnaryReactor* RecordingsRpcs::GetRecording(grpc::CallbackServerContext* ctx,
                                                       const v1::GetRecordingRequest* request,
                                                       v1::GetRecordingResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(Viewer viewer, ViewerOf(*ctx));
    return recordings_.GetRecording(viewer, *request, response);
  });
}

grpc::ServerUnaryReactor* RecordingsRpcs::ListRecordings(grpc::CallbackServerContext* ctx,
                                                         const v1::ListRecordingsRequest* request,
                                                         v1::ListRecordingsResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(Viewer viewer, ViewerOf(*ctx));
    return recordings_.ListRecordings(viewer, *request, response);
  });
}

grpc::ServerUnaryReactor* RecordingsRpcs::ListMoments(grpc::CallbackServerContext* ctx,
                                                      const v1::ListMomentsRequest* request,
                                                      v1::ListMomentsResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(Viewer viewer, ViewerOf(*ctx));
    return recordings_.ListMoments(viewer, *request, response);
  });
}

grpc::ServerUnaryReactor* RecordingsRpcs::SaveOrDelete(grpc::CallbackServerContext* ctx,
                                                       const v1::SaveOrDeleteRequest* request,
                                                       v1::SaveOrDeleteResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, CallerOf(*ctx));
    return recordings_.SaveOrDelete(caller, *request, response);
  });
}

grpc::ServerUnaryReactor* RecordingsRpcs::UpdateRecording(grpc::CallbackServerContext* ctx,
                                                          const v1::UpdateRecordingRequest* request,
                                                          v1::UpdateRecordingResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller, CallerOf(*ctx));
    return recordings_.UpdateRecording(caller, *request, response);
  });
}

}  // namespace shopcast::recording_lifecycle::recordings
