// PlaybackRpcs over real gRPC (an in-process server on loopback, the services wired as the app
// will wire them): the caller from the bearer token when there is one, anonymous otherwise,
// statuses with their machine-readable reason and field in the trailers.
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "playback/playback_rpcs.h"
#include "playback_world.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/server/executor.h"

namespace shopcast::recording_lifecycle::playback {
namespace {

using testing::PlaybackWorld;
using testing::RecordingSpec;

class PublicService final : public v1::RecordingLifecycleService::CallbackService {
 public:
  explicit PublicService(PlaybackRpcs& rpcs) : rpcs_(rpcs) {}
  grpc::ServerUnaryReactor* GetPlaybackUrl(grpc::CallbackServerContext* ctx,
                                           const v1::GetPlaybackUrlRequest* req,
                                           v1::GetPlaybackUrlResponse* res) override {
    return rpcs_.GetPlaybackUrl(ctx, req, res);
  }

 private:
  PlaybackRpcs& rpcs_;
};

class InternalService final : public v1::RecordingLifecycleInternalService::CallbackService {
 public:
  explicit InternalService(PlaybackRpcs& rpcs) : rpcs_(rpcs) {}
  grpc::ServerUnaryReactor* GetPlaylist(grpc::CallbackServerContext* ctx,
                                        const v1::GetPlaylistRequest* req,
                                        v1::GetPlaylistResponse* res) override {
    return rpcs_.GetPlaylist(ctx, req, res);
  }
  grpc::ServerUnaryReactor* ResolveSegment(grpc::CallbackServerContext* ctx,
                                           const v1::ResolveSegmentRequest* req,
                                           v1::ResolveSegmentResponse* res) override {
    return rpcs_.ResolveSegment(ctx, req, res);
  }

 private:
  PlaybackRpcs& rpcs_;
};

struct Server {
  PlaybackWorld world;
  auth::SigningKey key = *auth::GenerateSigningKey("k1");
  auth::TokenIssuer issuer{key, "shopcast", "shopcast-api", absl::Hours(1)};
  auth::TokenVerifier verifier{{auth::PublicKeyOf(key)}, "shopcast", "shopcast-api"};
  server::Executor executor{2, 100};
  PlaybackRpcs rpcs{world.playback(), verifier, nullptr, executor};
  PublicService pub{rpcs};
  InternalService internal{rpcs};
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<v1::RecordingLifecycleService::Stub> stub;
  std::unique_ptr<v1::RecordingLifecycleInternalService::Stub> internal_stub;

  Server() {
    grpc::ServerBuilder b;
    int port = 0;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    b.RegisterService(&pub);
    b.RegisterService(&internal);
    server = b.BuildAndStart();
    REQUIRE(server != nullptr);
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                       grpc::InsecureChannelCredentials());
    stub = v1::RecordingLifecycleService::NewStub(channel);
    internal_stub = v1::RecordingLifecycleInternalService::NewStub(channel);
  }
  ~Server() {
    server->Shutdown();
    executor.Shutdown();
  }
  std::string Token(const std::string& user, auth::Role role) {
    return issuer.Issue(user, role, absl::Now())->token;
  }
};

struct Answer {
  grpc::Status status;
  std::string reason;
  std::string field;
  v1::GetPlaybackUrlResponse response;
};

Answer Call(Server& s, const v1::GetPlaybackUrlRequest& req, const std::string& bearer = "") {
  grpc::ClientContext ctx;
  if (!bearer.empty()) ctx.AddMetadata("authorization", "Bearer " + bearer);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  Answer a;
  a.status = s.stub->GetPlaybackUrl(&ctx, req, &a.response);
  const auto& trailers = ctx.GetServerTrailingMetadata();
  if (auto it = trailers.find("shopcast-error-reason"); it != trailers.end()) {
    a.reason = std::string(it->second.data(), it->second.size());
  }
  if (auto it = trailers.find("shopcast-error-field"); it != trailers.end()) {
    a.field = std::string(it->second.data(), it->second.size());
  }
  return a;
}

v1::GetPlaybackUrlRequest Req(const std::string& rec) {
  v1::GetPlaybackUrlRequest r;
  r.set_recording_id(rec);
  return r;
}

TEST_CASE("GetPlaybackUrl over gRPC: anonymous for saved, the host's token for unsaved") {
  Server s;
  RecordingSpec saved;
  s.world.InsertRecording(saved, PlaybackWorld::Segments(3));
  RecordingSpec undecided;
  undecided.decision = v1::RETENTION_DECISION_UNDECIDED;
  s.world.InsertRecording(undecided, PlaybackWorld::Segments(3));

  Answer a = Call(s, Req(saved.id));
  REQUIRE(a.status.ok());
  CHECK(absl::StrContains(a.response.url(), "/vod/" + saved.id + "/index.m3u8?token="));
  a = Call(s, Req(undecided.id));
  CHECK(a.status.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(a.reason == "RECORDING_NOT_FOUND");
  CHECK(Call(s, Req(undecided.id), s.Token(undecided.host_id, auth::Role::kHost)).status.ok());
  CHECK(Call(s, Req(undecided.id), s.Token("usr_01J9Z3K8W4V6T2M0QXYHB5R7NC", auth::Role::kAdmin))
            .status.ok());
  a = Call(s, Req(undecided.id), s.Token("usr_01J9Z3K8W4V6T2M0QXYHB5R7ND", auth::Role::kHost));
  CHECK(a.reason == "RECORDING_NOT_FOUND");
  // A token that is sent must be valid, even for a public recording.
  a = Call(s, Req(saved.id), "not-a-jwt");
  CHECK(a.status.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(a.reason == "TOKEN_MALFORMED");
}

TEST_CASE("GetPlaybackUrl over gRPC: bad input carries reason and field") {
  Server s;
  RecordingSpec rec;
  s.world.InsertRecording(rec, PlaybackWorld::Segments(3));
  Answer a = Call(s, Req("rec_bad"));
  CHECK(a.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(a.reason == "ID_INVALID");
  CHECK(a.field == "recording_id");
  auto past = Req(rec.id);
  past.mutable_start_offset()->set_seconds(7);
  a = Call(s, past);
  CHECK(a.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(a.reason == "OFFSET_OUT_OF_RANGE");
  CHECK(a.field == "start_offset");
}

TEST_CASE("GetPlaylist and ResolveSegment over gRPC") {
  Server s;
  RecordingSpec rec;
  s.world.InsertRecording(rec, PlaybackWorld::Segments(3));
  grpc::ClientContext ctx;
  v1::GetPlaylistRequest req;
  req.set_recording_id(rec.id);
  req.set_segment_uri_prefix("/vod/" + rec.id + "/");
  v1::GetPlaylistResponse res;
  REQUIRE(s.internal_stub->GetPlaylist(&ctx, req, &res).ok());
  CHECK(absl::StrContains(res.playlist(), "/vod/" + rec.id + "/2.ts\n#EXT-X-ENDLIST\n"));
  grpc::ClientContext ctx2;
  v1::ResolveSegmentRequest rs;
  rs.set_recording_id(rec.id);
  rs.set_sequence(9);
  v1::ResolveSegmentResponse rr;
  const grpc::Status st = s.internal_stub->ResolveSegment(&ctx2, rs, &rr);
  CHECK(st.error_code() == grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::playback
