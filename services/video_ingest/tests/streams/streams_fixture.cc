#include "streams_fixture.h"

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "shopcast/db/migrations.h"
#include "shopcast/events/inbox.h"
#include "shopcast/events/outbox.h"
#include "shopcast/ids/ids.h"
#include "shopcast/order/v1/order.pb.h"
#include "shopcast/testing/net.h"

namespace shopcast::db::embedded {
const MigrationSet& video_ingestMigrations();
}  // namespace shopcast::db::embedded

namespace shopcast::video_ingest::streams::testing {

void FakeLiveControl::StopPublishing(const std::string& stream_id, vpb::SessionEndReason why) {
  {
    absl::MutexLock lock(&mu_);
    calls_.push_back({stream_id, why});
  }
  if (on_stop) on_stop(stream_id, why);
}

std::vector<FakeLiveControl::Call> FakeLiveControl::calls() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

StreamsFixture::StreamsFixture(int max_open_streams_per_host)
    : db_(shopcast::testing::TestDatabase::Create()) {
  REQUIRE(db::ApplyMigrations(db_.dsn(), {&db::embedded::video_ingestMigrations(),
                                          &events::OutboxMigrations(), &events::InboxMigrations()})
              .ok());
  auto pool = db::Pool::Create(db::PoolOptions{
      db_.dsn(), 4, absl::Seconds(5), StreamStore::PreparedStatements(), "video-ingest-test"});
  REQUIRE(pool.ok());
  pool_ = *std::move(pool);
  key_ = auth::GenerateSigningKey("test-key").value();
  issuer_ = std::make_unique<auth::TokenIssuer>(key_, kIssuer, kAudience, absl::Minutes(15));
  verifier_ = std::make_unique<auth::TokenVerifier>(
      std::vector<auth::PublicKey>{{key_.kid, key_.public_pem}}, kIssuer, kAudience);
  StoreOptions so;
  so.playback_base_url = kPlaybackBase;
  so.reconnect_grace = absl::Seconds(60);
  so.max_open_streams_per_host = max_open_streams_per_host;
  so.event_destinations = {kDestination, "recording-lifecycle"};
  so.instance_id = kInstance;
  store_ = std::make_unique<StreamStore>(*pool_, so);
  passes_ = std::make_unique<PassStore>(*pool_);
  streams_ = std::make_unique<Streams>(*store_, *passes_, live_, StreamsOptions{});
  server::HostOptions o;
  o.service_name = "video-ingest";
  o.grpc_addr = "127.0.0.1:0";
  o.metrics_addr = "";
  o.executor_threads = 4;
  o.drain_timeout = absl::Seconds(2);
  host_ = std::make_unique<server::ServiceHost>(o);
  service_ = std::make_unique<StreamServiceImpl>(*streams_, *verifier_, host_->executor());
  internal_service_ = std::make_unique<StreamInternalServiceImpl>(*streams_, host_->executor());
  host_->AddService(service_.get());
  host_->AddService(internal_service_.get());
  pass_events_ = std::make_unique<PassEventSink>(*pool_, host_->executor());
  host_->AddService(pass_events_.get());
  REQUIRE(host_->Start().ok());
  auto channel = shopcast::testing::LocalChannel(host_->grpc_port());
  stub_ = vpb::VideoIngestService::NewStub(channel);
  internal_stub_ = vpb::VideoIngestInternalService::NewStub(channel);
  sink_stub_ = common::v1::EventSink::NewStub(channel);
}

std::vector<std::string> StreamsFixture::DeliverPass(bool granted, const std::string& order_id,
                                                     const std::string& stream_id,
                                                     const std::string& viewer_id,
                                                     const std::string& event_id) {
  common::v1::DeliverEventsRequest req;
  common::v1::Event* e = req.add_events();
  e->set_id(event_id.empty() ? ids::NewId("evt") : event_id);
  e->set_source("order");
  e->set_aggregate_id(stream_id);
  if (granted) {
    e->set_type(kAccessPassGranted);
    order::v1::AccessPassGranted p;
    p.set_order_id(order_id);
    p.set_stream_id(stream_id);
    p.set_viewer_id(viewer_id);
    e->mutable_payload()->PackFrom(p);
  } else {
    e->set_type(kAccessPassRevoked);
    order::v1::AccessPassRevoked p;
    p.set_order_id(order_id);
    p.set_stream_id(stream_id);
    p.set_viewer_id(viewer_id);
    e->mutable_payload()->PackFrom(p);
  }
  common::v1::DeliverEventsResponse res;
  auto ctx = Ctx();
  grpc::Status st = sink_stub_->DeliverEvents(ctx.get(), req, &res);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return {res.accepted_ids().begin(), res.accepted_ids().end()};
}

StreamsFixture::~StreamsFixture() { host_->Shutdown(); }

std::unique_ptr<StreamStore> StreamsFixture::StoreOfInstance(const std::string& instance_id,
                                                             const std::string& hls_origin) {
  StoreOptions so = store_->options();
  so.instance_id = instance_id;
  so.hls_origin = hls_origin;
  return std::make_unique<StreamStore>(*pool_, so);
}

std::string StreamsFixture::TokenFor(auth::Role role, std::string* user_id) {
  std::string id = ids::NewId("usr");
  if (user_id != nullptr) *user_id = id;
  return issuer_->Issue(id, role, absl::Now()).value().token;
}

vpb::CreateStreamResponse StreamsFixture::Create(const std::string& token, const std::string& title,
                                                 const std::string& idempotency_key) {
  vpb::CreateStreamRequest req;
  req.set_title(title);
  req.set_idempotency_key(idempotency_key);
  vpb::CreateStreamResponse res;
  auto ctx = Ctx(token);
  grpc::Status st = stub_->CreateStream(ctx.get(), req, &res);
  INFO(st.error_message() << " " << ReasonOf(*ctx));
  REQUIRE(st.ok());
  return res;
}

int64_t StreamsFixture::Count(const std::string& table) {
  pqxx::connection c(db_.dsn());
  pqxx::work tx(c);
  return tx.exec1("SELECT count(*) FROM " + c.quote_name(table))[0].as<int64_t>();
}

std::string StreamsFixture::Scalar(const std::string& sql) {
  pqxx::connection c(db_.dsn());
  pqxx::work tx(c);
  pqxx::result r = tx.exec(sql);
  if (r.empty() || r[0][0].is_null()) return "";
  return r[0][0].as<std::string>();
}

std::string StreamsFixture::AllText() {
  std::string all;
  for (const char* table : {"streams", "ingest_sessions", "segments", "outbox"}) {
    pqxx::connection c(db_.dsn());
    pqxx::work tx(c);
    for (const auto& row : tx.exec(absl::StrCat("SELECT t::text FROM ", table, " t"))) {
      all += row[0].as<std::string>();
    }
  }
  return all;
}

std::vector<common::v1::Event> StreamsFixture::Events(const std::string& type) {
  pqxx::connection c(db_.dsn());
  pqxx::work tx(c);
  std::vector<common::v1::Event> out;
  for (const auto& row : tx.exec_params("SELECT payload FROM outbox WHERE destination = $1 "
                                        "AND ($2 = '' OR type = $2) ORDER BY id",
                                        kDestination, type)) {
    pqxx::binarystring bytes(row[0]);
    common::v1::Event e;
    REQUIRE(e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
    out.push_back(std::move(e));
  }
  return out;
}

std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

std::string ReasonOf(const grpc::ClientContext& ctx) {
  const auto& t = ctx.GetServerTrailingMetadata();
  auto it = t.find("shopcast-error-reason");
  return it == t.end() ? "" : std::string(it->second.data(), it->second.size());
}

SegmentInfo Segment(const std::string& stream_id, int64_t sequence, absl::Time pdt,
                    absl::Duration media_offset, absl::Duration duration) {
  SegmentInfo g;
  g.sequence = sequence;
  g.program_date_time = pdt;
  g.duration = duration;
  g.media_offset = media_offset;
  g.size_bytes = 500000;
  g.sha256 = std::string(64, 'a');
  g.path = absl::StrCat(stream_id, "/", sequence, ".ts");
  return g;
}

}  // namespace shopcast::video_ingest::streams::testing
