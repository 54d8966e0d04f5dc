// The clip and thumbnail RPCs over a real gRPC server (port 0) on a real PostgreSQL: tokens
// (none, bad, a viewer's, the host's), reasons in the trailers, and the public reads anonymous.

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <pqxx/pqxx>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clips/clip_store.h"
#include "clips/clip_worker.h"
#include "clips/clips.h"
#include "clips/clips_rpcs.h"
#include "grpcpp/grpcpp.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/db/migrations.h"
#include "shopcast/db/pool.h"
#include "shopcast/ids/ids.h"
#include "shopcast/server/executor.h"
#include "shopcast/server/status.h"
#include "shopcast/testing/pg.h"
#include "shopcast/testing/temp_dir.h"
#include "storage/filesystem_provider.h"

namespace shopcast::db::embedded {
const MigrationSet& recording_lifecycleMigrations();
}  // namespace shopcast::db::embedded

namespace shopcast::recording_lifecycle::clips {
namespace {

namespace fs = std::filesystem;

// The app's service, reduced to what this area serves.
class ClipsOnlyService final : public v1::RecordingLifecycleService::CallbackService {
 public:
  explicit ClipsOnlyService(ClipsRpcs& rpcs) : rpcs_(rpcs) {}
  grpc::ServerUnaryReactor* CreateClip(grpc::CallbackServerContext* c,
                                       const v1::CreateClipRequest* q,
                                       v1::CreateClipResponse* a) override {
    return rpcs_.CreateClip(c, q, a);
  }
  grpc::ServerUnaryReactor* GetClip(grpc::CallbackServerContext* c, const v1::GetClipRequest* q,
                                    v1::GetClipResponse* a) override {
    return rpcs_.GetClip(c, q, a);
  }
  grpc::ServerUnaryReactor* ListClips(grpc::CallbackServerContext* c, const v1::ListClipsRequest* q,
                                      v1::ListClipsResponse* a) override {
    return rpcs_.ListClips(c, q, a);
  }
  grpc::ServerUnaryReactor* DeleteClip(grpc::CallbackServerContext* c,
                                       const v1::DeleteClipRequest* q,
                                       v1::DeleteClipResponse* a) override {
    return rpcs_.DeleteClip(c, q, a);
  }
  grpc::ServerUnaryReactor* ListThumbnails(grpc::CallbackServerContext* c,
                                           const v1::ListThumbnailsRequest* q,
                                           v1::ListThumbnailsResponse* a) override {
    return rpcs_.ListThumbnails(c, q, a);
  }
  grpc::ServerUnaryReactor* SetPrimaryThumbnail(grpc::CallbackServerContext* c,
                                                const v1::SetPrimaryThumbnailRequest* q,
                                                v1::SetPrimaryThumbnailResponse* a) override {
    return rpcs_.SetPrimaryThumbnail(c, q, a);
  }

 private:
  ClipsRpcs& rpcs_;
};

struct Outcome {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string reason;
};

class RpcWorld {
 public:
  RpcWorld()
      : db_(shopcast::testing::TestDatabase::Create()),
        key_(*auth::GenerateSigningKey("k1")),
        issuer_(key_, "shopcast-user", "shopcast", absl::Minutes(10)),
        verifier_({auth::PublicKeyOf(key_)}, "shopcast-user", "shopcast"),
        executor_(2, 16) {
    REQUIRE(db::ApplyMigrations(db_.dsn(), {&db::embedded::recording_lifecycleMigrations()}).ok());
    db::PoolOptions options;
    options.dsn = db_.dsn();
    options.size = 4;
    pool_ = std::move(*db::Pool::Create(options));
    store_ = std::make_unique<ClipStore>(*pool_);
    hot_ = std::move(*storage::FilesystemProvider::Open("local-hot", dir_.path()));
    clips_ =
        std::make_unique<Clips>(*store_, *hot_, ClipsOptions{}, pagetoken::Codec::WithRandomKey(),
                                ClipUrlMaker{}, ImageUrlMaker{}, std::function<void()>{}, nullptr);
    rpcs_ = std::make_unique<ClipsRpcs>(*clips_, verifier_, nullptr, executor_);
    service_ = std::make_unique<ClipsOnlyService>(*rpcs_);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    REQUIRE(port > 0);
    stub_ = v1::RecordingLifecycleService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }
  ~RpcWorld() {
    server_->Shutdown();
    executor_.Shutdown();
  }

  std::string Token(const std::string& user, auth::Role role) {
    return issuer_.Issue(user, role, absl::Now())->token;
  }

  // A SAVED, READY recording of `host` (no segments: the calls here never cut).
  std::string Recording(const std::string& host, int decision = kDecisionSave) {
    const std::string id = ids::NewId("rec");
    pqxx::connection c(db_.dsn());
    pqxx::work tx(c);
    tx.exec_params(
        "INSERT INTO recordings (id, stream_id, host_id, title, status, decision, duration_us, "
        "created_at, updated_at) VALUES ($1, $2, $3, 't', 3, $4, 60000000, now(), now())",
        id, ids::NewId("str"), host, decision);
    tx.commit();
    return id;
  }
  int64_t ClipCount() {
    pqxx::connection c(db_.dsn());
    pqxx::work tx(c);
    return tx.exec1("SELECT count(*) FROM clips")[0].as<int64_t>();
  }

  template <typename Request, typename Response, typename Method>
  Outcome Call(Method method, const Request& request, Response* response,
               const std::string& token) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    grpc::Status s = ((*stub_).*method)(&ctx, request, response);
    Outcome o{s.error_code(), ""};
    auto it = ctx.GetServerTrailingMetadata().find(server::kReasonTrailer);
    if (it != ctx.GetServerTrailingMetadata().end()) {
      o.reason = std::string(it->second.data(), it->second.size());
    }
    return o;
  }

 private:
  shopcast::testing::TestDatabase db_;
  shopcast::testing::TempDir dir_;
  auth::SigningKey key_;
  auth::TokenIssuer issuer_;
  auth::TokenVerifier verifier_;
  server::Executor executor_;
  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<ClipStore> store_;
  std::unique_ptr<storage::FilesystemProvider> hot_;
  std::unique_ptr<Clips> clips_;
  std::unique_ptr<ClipsRpcs> rpcs_;
  std::unique_ptr<ClipsOnlyService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::RecordingLifecycleService::Stub> stub_;
};

using Stub = v1::RecordingLifecycleService::Stub;

TEST_CASE("the clip RPCs authenticate, authorize and report reasons over gRPC") {
  RpcWorld w;
  const std::string rec = w.Recording("usr_host");
  const std::string host = w.Token("usr_host", auth::Role::kHost);
  const std::string viewer = w.Token("usr_viewer", auth::Role::kViewer);
  v1::CreateClipRequest create;
  create.set_recording_id(rec);
  create.mutable_range()->mutable_duration()->set_seconds(10);
  create.set_idempotency_key("k");
  v1::CreateClipResponse created;

  Outcome o = w.Call(&Stub::CreateClip, create, &created, "");
  CHECK(o.code == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(o.reason == "TOKEN_MISSING");
  o = w.Call(&Stub::CreateClip, create, &created, "not-a-token");
  CHECK(o.code == grpc::StatusCode::UNAUTHENTICATED);
  o = w.Call(&Stub::CreateClip, create, &created, viewer);
  CHECK(o.code == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(o.reason == "NOT_RECORDING_OWNER");
  CHECK(w.ClipCount() == 0);
  o = w.Call(&Stub::CreateClip, create, &created, host);
  REQUIRE(o.code == grpc::StatusCode::OK);
  CHECK(created.clip().status() == v1::CLIP_STATUS_PENDING);
  CHECK(created.clip().duration().seconds() == 10);

  // Public reads work without a token; a bad token is still refused.
  v1::GetClipRequest get;
  get.set_clip_id(created.clip().id());
  v1::GetClipResponse got;
  CHECK(w.Call(&Stub::GetClip, get, &got, "").code == grpc::StatusCode::OK);
  CHECK(got.clip().id() == created.clip().id());
  CHECK(w.Call(&Stub::GetClip, get, &got, "garbage").code == grpc::StatusCode::UNAUTHENTICATED);
  v1::ListClipsRequest list;
  list.set_recording_id(rec);
  v1::ListClipsResponse listed;
  CHECK(w.Call(&Stub::ListClips, list, &listed, "").code == grpc::StatusCode::OK);
  CHECK(listed.clips_size() == 1);
  v1::ListThumbnailsRequest lt;
  lt.set_recording_id(rec);
  v1::ListThumbnailsResponse thumbs;
  CHECK(w.Call(&Stub::ListThumbnails, lt, &thumbs, "").code == grpc::StatusCode::OK);

  // An unsaved recording is invisible to others, anonymous or not.
  const std::string unsaved = w.Recording("usr_host", kDecisionUndecided);
  list.set_recording_id(unsaved);
  o = w.Call(&Stub::ListClips, list, &listed, viewer);
  CHECK(o.code == grpc::StatusCode::NOT_FOUND);
  CHECK(o.reason == "RECORDING_NOT_FOUND");
  CHECK(w.Call(&Stub::ListClips, list, &listed, host).code == grpc::StatusCode::OK);

  // Changes need a token.
  v1::DeleteClipRequest del;
  del.set_clip_id(created.clip().id());
  v1::DeleteClipResponse deleted;
  CHECK(w.Call(&Stub::DeleteClip, del, &deleted, "").code == grpc::StatusCode::UNAUTHENTICATED);
  o = w.Call(&Stub::DeleteClip, del, &deleted, viewer);
  CHECK(o.code == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(w.Call(&Stub::DeleteClip, del, &deleted, host).code == grpc::StatusCode::OK);
  CHECK(w.Call(&Stub::DeleteClip, del, &deleted, host).code == grpc::StatusCode::OK);
  v1::SetPrimaryThumbnailRequest sp;
  sp.set_recording_id(rec);
  sp.set_thumbnail_id(ids::NewId("thm"));
  v1::SetPrimaryThumbnailResponse spr;
  CHECK(w.Call(&Stub::SetPrimaryThumbnail, sp, &spr, "").code == grpc::StatusCode::UNAUTHENTICATED);
  o = w.Call(&Stub::SetPrimaryThumbnail, sp, &spr, host);
  CHECK(o.code == grpc::StatusCode::NOT_FOUND);
  CHECK(o.reason == "THUMBNAIL_NOT_FOUND");

  // A bad range: INVALID_ARGUMENT with the reason in the trailers.
  create.set_idempotency_key("k2");
  create.mutable_range()->mutable_duration()->set_seconds(181);
  o = w.Call(&Stub::CreateClip, create, &created, host);
  CHECK(o.code == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(o.reason == "CLIP_RANGE_INVALID");
  CHECK(w.ClipCount() == 1);
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::clips
