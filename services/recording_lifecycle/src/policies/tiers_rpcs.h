#pragma once

// The tiers' RPCs on the wire: the caller from its token (public service), the blocking work
// on the service's executor, statuses out. The app registers these methods on its
// RecordingLifecycleService / RecordingLifecycleInternalService implementations.

#include "grpcpp/grpcpp.h"
#include "policies/tiers_service.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/recording_lifecycle/v1/recording_lifecycle.grpc.pb.h"
#include "shopcast/server/executor.h"

namespace shopcast::recording_lifecycle::policies {

// RecordingLifecycleService: GetAgingPolicy, ListAgingPolicies, CreateAgingPolicy,
// UpdateAgingPolicy, MoveRecording, SetLegalHold (admin; see tiers_service.h).
class TiersRpcs {
 public:
  // Everything outlives the object; `revoked` may be null.
  TiersRpcs(TiersService& service, const auth::TokenVerifier& verifier,
            const auth::RevocationList* revoked, server::Executor& executor)
      : service_(service), verifier_(verifier), revoked_(revoked), executor_(executor) {}

  grpc::ServerUnaryReactor* GetAgingPolicy(grpc::CallbackServerContext* ctx,
                                           const pb::GetAgingPolicyRequest* request,
                                           pb::GetAgingPolicyResponse* response);
  grpc::ServerUnaryReactor* ListAgingPolicies(grpc::CallbackServerContext* ctx,
                                              const pb::ListAgingPoliciesRequest* request,
                                              pb::ListAgingPoliciesResponse* response);
  grpc::ServerUnaryReactor* CreateAgingPolicy(grpc::CallbackServerContext* ctx,
                                              const pb::CreateAgingPolicyRequest* request,
                                              pb::CreateAgingPolicyResponse* response);
  grpc::ServerUnaryReactor* UpdateAgingPolicy(grpc::CallbackServerContext* ctx,
                                              const pb::UpdateAgingPolicyRequest* request,
                                              pb::UpdateAgingPolicyResponse* response);
  grpc::ServerUnaryReactor* MoveRecording(grpc::CallbackServerContext* ctx,
                                          const pb::MoveRecordingRequest* request,
                                          pb::MoveRecordingResponse* response);
  grpc::ServerUnaryReactor* SetLegalHold(grpc::CallbackServerContext* ctx,
                                         const pb::SetLegalHoldRequest* request,
                                         pb::SetLegalHoldResponse* response);

 private:
  TiersService& service_;
  const auth::TokenVerifier& verifier_;
  const auth::RevocationList* revoked_;
  server::Executor& executor_;
};

// RecordingLifecycleInternalService: RunAgingPass, DryRunAgingPass. The internal listener
// (mTLS) has authenticated the calling service.
class AgingInternalRpcs {
 public:
  AgingInternalRpcs(TiersService& service, server::Executor& executor)
      : service_(service), executor_(executor) {}

  grpc::ServerUnaryReactor* RunAgingPass(grpc::CallbackServerContext* ctx,
                                         const pb::RunAgingPassRequest* request,
                                         pb::RunAgingPassResponse* response);
  grpc::ServerUnaryReactor* DryRunAgingPass(grpc::CallbackServerContext* ctx,
                                            const pb::DryRunAgingPassRequest* request,
                                            pb::DryRunAgingPassResponse* response);

 private:
  TiersService& service_;
  server::Executor& executor_;
};

}  // namespace shopcast::recording_lifecycle::policies
