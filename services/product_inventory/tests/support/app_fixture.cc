#include "support/app_fixture.h"

#include <fstream>
#include <pqxx/binarystring>
#include <pqxx/pqxx>
#include <stdexcept>

#include "grpcpp/create_channel.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/roles.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/clients/internal.h"
#include "shopcast/common/v1/event.pb.h"
#include "shopcast/ids/ids.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"

namespace shopcast::product_inventory::testing {

Replica::Replica(const Config& config, const AppOverrides& overrides) {
  auto app = App::Create(config, overrides);
  if (!app.ok()) throw std::runtime_error("app: " + std::string(app.status().message()));
  app_ = *std::move(app);
  if (!app_->Start().ok()) throw std::runtime_error("app did not start");
}

Replica::~Replica() { app_->Stop(); }

std::unique_ptr<pb::ProductInventoryService::Stub> Replica::Stub() const {
  return pb::ProductInventoryService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(host().grpc_port()), grpc::InsecureChannelCredentials()));
}

std::unique_ptr<common::v1::EventSink::Stub> Replica::SinkStub(
    const auth::ServiceTls& client) const {
  auto channel = clients::MakeInternalChannel(
      "product-inventory", "127.0.0.1:" + std::to_string(host().internal_grpc_port()), client);
  if (!channel.ok()) throw std::runtime_error("internal channel");
  return common::v1::EventSink::NewStub(*channel);
}

AppFixture::AppFixture()
    : pki_(dir_.File("pki"), {"product-inventory", "video-ingest", "realtime-push", "order"}),
      signing_key_file_(dir_.File("signing.pem")),
      page_token_key_file_(dir_.File("page-token.key")),
      db_(shopcast::testing::TestDatabase::Create()) {
  auto key = auth::GenerateSigningKey("test");
  if (!key.ok()) throw std::runtime_error("signing key");
  std::ofstream(signing_key_file_) << key->private_pem;
  std::ofstream(page_token_key_file_) << "a test page-token key of more than 32 bytes\n";
}

Config AppFixture::BaseConfig() const {
  Config c;
  c.grpc_addr = "127.0.0.1:0";
  c.metrics_addr = "";
  c.internal_grpc_addr = "127.0.0.1:0";
  c.service_tls = pki_.FilesOf("product-inventory");
  c.db_dsn = db_.dsn();
  c.db_pool_size = 4;
  c.verify_key_files = {signing_key_file_};
  c.token_issuer = "shopcast-user";
  c.token_audience = "shopcast";
  c.page_token_key_file = page_token_key_file_;
  c.drain_timeout = absl::Seconds(2);
  return c;
}

Replica& AppFixture::AddReplica(const ConfigEdit& edit, const AppOverrides& overrides) {
  Config config = BaseConfig();
  if (edit) edit(config);
  replicas_.push_back(std::make_unique<Replica>(config, overrides));
  return *replicas_.back();
}

std::string AppFixture::TokenFor(const std::string& user_id, const std::string& role) const {
  auto key = auth::LoadSigningKeyFile(signing_key_file_);
  auto parsed = auth::ParseRole(role);
  if (!key.ok() || !parsed) throw std::runtime_error("token");
  auth::TokenIssuer issuer(*key, "shopcast-user", "shopcast", absl::Minutes(15));
  auto token = issuer.Issue(user_id, *parsed, absl::Now());
  if (!token.ok()) throw std::runtime_error("token");
  return token->token;
}

void Authorize(grpc::ClientContext& ctx, const std::string& token) {
  ctx.AddMetadata("authorization", "Bearer " + token);
}

std::string AppFixture::AddStream(const std::string& host_id, bool ended) {
  std::string id = ids::NewId("str");
  pqxx::connection c(db_.dsn());
  pqxx::work tx(c);
  tx.exec_params0(
      "INSERT INTO streams (id, host_id, status, ended_at, updated_at) "
      "VALUES ($1, $2, $3, CASE WHEN $4 THEN now() END, now())",
      id, host_id, ended ? 4 : 2, ended);
  tx.commit();
  return id;
}

int64_t AppFixture::Count(const std::string& sql) const {
  pqxx::connection c(db_.dsn());
  pqxx::work tx(c);
  return tx.exec1(sql)[0].as<int64_t>();
}

std::vector<AppFixture::OutboxNotification> AppFixture::NotificationsOf(
    const std::string& user_id, const std::string& type) const {
  pqxx::connection c(db_.dsn());
  pqxx::work tx(c);
  pqxx::result r = tx.exec_params(
      "SELECT payload, destination, xmin::text FROM outbox WHERE aggregate_id = $1 AND type = $2 "
      "ORDER BY id",
      user_id, "product_inventory." + type);
  std::vector<OutboxNotification> out;
  for (const auto& row : r) {
    common::v1::Event e;
    const pqxx::binarystring bytes(row[0]);
    OutboxNotification n;
    if (e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) &&
        e.payload().UnpackTo(&n.request)) {
      n.destination = row[1].as<std::string>();
      n.xmin = row[2].as<std::string>();
      out.push_back(std::move(n));
    }
  }
  return out;
}

void AppFixture::EndStream(Replica& r, const std::string& stream,
                           const std::string& event_id) const {
  auto sink = r.SinkStub(Peer("video-ingest"));
  video_ingest::v1::StreamEnded ended;
  ended.set_stream_id(stream);
  ended.set_host_id("usr_host");
  ended.set_status(common::v1::STREAM_STATUS_ENDED);
  common::v1::DeliverEventsRequest request;
  common::v1::Event* e = request.add_events();
  e->set_id(event_id);
  e->set_type("video_ingest.stream_ended");
  e->mutable_payload()->PackFrom(ended);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  common::v1::DeliverEventsResponse response;
  grpc::Status s = sink->DeliverEvents(&ctx, request, &response);
  if (!s.ok() || response.accepted_ids_size() != 1) throw std::runtime_error("stream_ended");
}

}  // namespace shopcast::product_inventory::testing
