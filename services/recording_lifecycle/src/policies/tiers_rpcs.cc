#include "policies/tiers_rpcs.h"

#include "absl/time/clock.h"
#include "shopcast/auth/caller.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::policies {

grpc::ServerUnaryReactor* TiersRpcs::GetAgingPolicy(grpc::CallbackServerContext* ctx,
                                                    const pb::GetAgingPolicyRequest* request,
                                                    pb::GetAgingPolicyResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller,
                     auth::AuthenticateCaller(*ctx, verifier_, revoked_, absl::Now()));
    ASSIGN_OR_RETURN(*response, service_.GetAgingPolicy(caller, *request));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* TiersRpcs::ListAgingPolicies(grpc::CallbackServerContext* ctx,
                                                       const pb::ListAgingPoliciesRequest* request,
                                                       pb::ListAgingPoliciesResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller,
                     auth::AuthenticateCaller(*ctx, verifier_, revoked_, absl::Now()));
    ASSIGN_OR_RETURN(*response, service_.ListAgingPolicies(caller, *request));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* TiersRpcs::CreateAgingPolicy(grpc::CallbackServerContext* ctx,
                                                       const pb::CreateAgingPolicyRequest* request,
                                                       pb::CreateAgingPolicyResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller,
                     auth::AuthenticateCaller(*ctx, verifier_, revoked_, absl::Now()));
    ASSIGN_OR_RETURN(*response, service_.CreateAgingPolicy(caller, *request));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* TiersRpcs::UpdateAgingPolicy(grpc::CallbackServerContext* ctx,
                                                       const pb::UpdateAgingPolicyRequest* request,
                                                       pb::UpdateAgingPolicyResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller,
                     auth::AuthenticateCaller(*ctx, verifier_, revoked_, absl::Now()));
    ASSIGN_OR_RETURN(*response, service_.UpdateAgingPolicy(caller, *request));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* TiersRpcs::MoveRecording(grpc::CallbackServerContext* ctx,
                                                   const pb::MoveRecordingRequest* request,
                                                   pb::MoveRecordingResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller,
                     auth::AuthenticateCaller(*ctx, verifier_, revoked_, absl::Now()));
    ASSIGN_OR_RETURN(*response, service_.MoveRecording(caller, *request));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* TiersRpcs::SetLegalHold(grpc::CallbackServerContext* ctx,
                                                  const pb::SetLegalHoldRequest* request,
                                                  pb::SetLegalHoldResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller,
                     auth::AuthenticateCaller(*ctx, verifier_, revoked_, absl::Now()));
    ASSIGN_OR_RETURN(*response, service_.SetLegalHold(caller, *request));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AgingInternalRpcs::RunAgingPass(grpc::CallbackServerContext* ctx,
                                                          const pb::RunAgingPassRequest* request,
                                                          pb::RunAgingPassResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(*response, service_.RunAgingPass(*request));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AgingInternalRpcs::DryRunAgingPass(
    grpc::CallbackServerContext* ctx, const pb::DryRunAgingPassRequest* request,
    pb::DryRunAgingPassResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(*response, service_.DryRunAgingPass(*request));
    return absl::OkStatus();
  });
}

}  // namespace shopcast::recording_lifecycle::policies
