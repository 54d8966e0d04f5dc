// The tiers' RPCs over real gRPC (the way the app registers them): tokens checked (none:
// UNAUTHENTICATED; a viewer or host: PERMISSION_DENIED), reasons in the trailers, an admin
// creating and reading a policy, moving a recording and holding it, and the internal pass.

#include "policies/tiers_rpcs.h"

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"
#include "mover/mover.h"
#include "policies/aging_pass.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/server/executor.h"
#include "tier_world.h"

namespace shopcast::recording_lifecycle::testing {
namespace {

using namespace ::shopcast::recording_lifecycle::policies;  // NOLINT

class PublicService final : public pb::RecordingLifecycleService::CallbackService {
 public:
  explicit PublicService(TiersRpcs& r) : r_(r) {}
  grpc::ServerUnaryReactor* GetAgingPolicy(grpc::CallbackServerContext* c,
                                           const pb::GetAgingPolicyRequest* q,
                                           pb::GetAgingPolicyResponse* p) override {
    return r_.GetAgingPolicy(c, q, p);
  }
  grpc::ServerUnaryReactor* ListAgingPolicies(grpc::CallbackServerContext* c,
                                              const pb::ListAgingPoliciesRequest* q,
                                              pb::ListAgingPoliciesResponse* p) override {
    return r_.ListAgingPolicies(c, q, p);
  }
  grpc::ServerUnaryReactor* CreateAgingPolicy(grpc::CallbackServerContext* c,
                                              const pb::CreateAgingPolicyRequest* q,
                                              pb::CreateAgingPolicyResponse* p) override {
    return r_.CreateAgingPolicy(c, q, p);
  }
  grpc::ServerUnaryReactor* UpdateAgingPolicy(grpc::CallbackServerContext* c,
                                              const pb::UpdateAgingPolicyRequest* q,
                                              pb::UpdateAgingPolicyResponse* p) override {
    return r_.UpdateAgingPolicy(c, q, p);
  }
  grpc::ServerUnaryReactor* MoveRecording(grpc::CallbackServerContext* c,
                                          const pb::MoveRecordingRequest* q,
                                          pb::MoveRecordingResponse* p) override {
    return r_.MoveRecording(c, q, p);
  }
  grpc::ServerUnaryReactor* SetLegalHold(grpc::CallbackServerContext* c,
                                         const pb::SetLegalHoldRequest* q,
                                         pb::SetLegalHoldResponse* p) override {
    return r_.SetLegalHold(c, q, p);
  }

 private:
  TiersRpcs& r_;
};

class InternalService final : public pb::RecordingLifecycleInternalService::CallbackService {
 public:
  explicit InternalService(AgingInternalRpcs& r) : r_(r) {}
  grpc::ServerUnaryReactor* RunAgingPass(grpc::CallbackServerContext* c,
                                         const pb::RunAgingPassRequest* q,
                                         pb::RunAgingPassResponse* p) override {
    return r_.RunAgingPass(c, q, p);
  }
  grpc::ServerUnaryReactor* DryRunAgingPass(grpc::CallbackServerContext* c,
                                            const pb::DryRunAgingPassRequest* q,
                                            pb::DryRunAgingPassResponse* p) override {
    return r_.DryRunAgingPass(c, q, p);
  }

 private:
  AgingInternalRpcs& r_;
};

struct Server {
  TierWorld w;
  auth::SigningKey key = *auth::GenerateSigningKey("k1");
  auth::TokenIssuer issuer{key, "shopcast-test", "shopcast", absl::Hours(1)};
  auth::TokenVerifier verifier{{auth::PublicKeyOf(key)}, "shopcast-test", "shopcast"};
  server::Executor executor{2, 64};
  PolicyStore store{w.pool()};
  mover::Mover mover{w.pool(), w.tiers(), Options(), nullptr};
  AgingPass aging{w.pool(), store, &mover, nullptr, AgingOptions(), nullptr};
  pagetoken::Codec tokens = pagetoken::Codec::WithRandomKey();
  TiersService service{w.pool(), store, aging, &mover, tokens};
  TiersRpcs rpcs{service, verifier, nullptr, executor};
  AgingInternalRpcs internal{service, executor};
  PublicService public_service{rpcs};
  InternalService internal_service{internal};
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<pb::RecordingLifecycleService::Stub> stub;
  std::unique_ptr<pb::RecordingLifecycleInternalService::Stub> internal_stub;

  mover::MoverOptions Options() {
    mover::MoverOptions o;
    o.scratch_dir = w.scratch();
    return o;
  }
  static AgingPassOptions AgingOptions() {
    AgingPassOptions o;
    o.test_clock = true;
    return o;
  }

  Server() {
    int port = 0;
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    b.RegisterService(&public_service);
    b.RegisterService(&internal_service);
    server = b.BuildAndStart();
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                       grpc::InsecureChannelCredentials());
    stub = pb::RecordingLifecycleService::NewStub(channel);
    internal_stub = pb::RecordingLifecycleInternalService::NewStub(channel);
  }
  ~Server() {
    server->Shutdown();
    executor.Shutdown();
  }

  std::string Token(const std::string& user, auth::Role role) {
    return issuer.Issue(user, role, absl::Now())->token;
  }
};

struct Call {
  grpc::ClientContext ctx;
  explicit Call(const std::string& token) {
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  }
  std::string Reason() {
    auto md = ctx.GetServerTrailingMetadata();
    auto it = md.find("shopcast-error-reason");
    return it == md.end() ? "" : std::string(it->second.data(), it->second.size());
  }
};

TEST_CASE("tiers RPCs over gRPC: tokens, roles, reasons, and an admin's calls", "[rpcs]") {
  Server s;
  const std::string admin = s.Token("usr_admin", auth::Role::kAdmin);
  const std::string host = s.Token("usr_host", auth::Role::kHost);

  pb::CreateAgingPolicyRequest create;
  create.mutable_policy()->set_name("archive fast");
  pb::AgingRule* rule = create.mutable_policy()->add_rules();
  rule->set_from_tier(pb::STORAGE_TIER_HOT);
  rule->set_to_tier(pb::STORAGE_TIER_COLD);
  rule->mutable_min_age()->set_seconds(3600);
  pb::CreateAgingPolicyResponse created;
  {
    Call c("");
    CHECK(s.stub->CreateAgingPolicy(&c.ctx, create, &created).error_code() ==
          grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    Call c(host);
    CHECK(s.stub->CreateAgingPolicy(&c.ctx, create, &created).error_code() ==
          grpc::StatusCode::PERMISSION_DENIED);
    CHECK(c.Reason() == kReasonAdminRequired);
  }
  {
    Call c(admin);
    pb::CreateAgingPolicyRequest bad = create;
    bad.mutable_policy()->mutable_rules(0)->set_to_tier(pb::STORAGE_TIER_HOT);
    CHECK(s.stub->CreateAgingPolicy(&c.ctx, bad, &created).error_code() ==
          grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(c.Reason() == kReasonRuleTierOrder);
  }
  {
    Call c(admin);
    REQUIRE(s.stub->CreateAgingPolicy(&c.ctx, create, &created).ok());
    CHECK(created.policy().version() == 1);
  }
  {
    Call c(admin);
    pb::ListAgingPoliciesResponse list;
    REQUIRE(s.stub->ListAgingPolicies(&c.ctx, {}, &list).ok());
    CHECK(list.policies_size() == 2);
  }
  {
    Call c(host);
    pb::GetAgingPolicyRequest r;
    r.set_host_id("usr_host");
    pb::GetAgingPolicyResponse got;
    REQUIRE(s.stub->GetAgingPolicy(&c.ctx, r, &got).ok());
    CHECK(got.policy().is_default());
  }
  const std::string rec = s.w.AddRecording();
  {
    Call c(admin);
    pb::SetLegalHoldRequest r;
    r.set_recording_id(rec);
    r.set_legal_hold(true);
    pb::SetLegalHoldResponse out;
    REQUIRE(s.stub->SetLegalHold(&c.ctx, r, &out).ok());
    CHECK(out.legal_hold());
  }
  {
    Call c(admin);
    pb::MoveRecordingRequest r;
    r.set_recording_id(rec);
    r.set_target_tier(pb::STORAGE_TIER_WARM);
    pb::MoveRecordingResponse out;
    CHECK(s.stub->MoveRecording(&c.ctx, r, &out).error_code() ==
          grpc::StatusCode::FAILED_PRECONDITION);
    CHECK(c.Reason() == "LEGAL_HOLD");
  }
  {
    Call c("");
    pb::DryRunAgingPassRequest r;
    r.mutable_as_of()->set_seconds(1767225600 + 400 * 86400);
    pb::DryRunAgingPassResponse out;
    REQUIRE(s.internal_stub->DryRunAgingPass(&c.ctx, r, &out).ok());
    CHECK(out.decisions_size() == 0);  // the only recording is held
  }
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::testing
