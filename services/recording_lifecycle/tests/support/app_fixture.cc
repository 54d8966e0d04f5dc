#include "support/app_fixture.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "google/rpc/status.pb.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/roles.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/clients/internal.h"
#include "shopcast/common/v1/error.pb.h"
#include "shopcast/ids/ids.h"

namespace shopcast::recording_lifecycle::testing {
namespace {

std::optional<common::v1::ErrorInfo> InfoOf(const grpc::Status& s) {
  google::rpc::Status details;
  if (!details.ParseFromString(s.error_details())) return std::nullopt;
  for (const auto& any : details.details()) {
    common::v1::ErrorInfo info;
    if (any.UnpackTo(&info)) return info;
  }
  return std::nullopt;
}

void SetTime(int64_t us, google::protobuf::Timestamp* t) {
  t->set_seconds(us / kSecond);
  t->set_nanos(static_cast<int32_t>((us % kSecond) * 1000));
}

void SetDuration(int64_t us, google::protobuf::Duration* d) {
  d->set_seconds(us / kSecond);
  d->set_nanos(static_cast<int32_t>((us % kSecond) * 1000));
}

common::v1::Event Wrap(const std::string& source, const std::string& type,
                       const std::string& aggregate, const google::protobuf::Message& payload) {
  common::v1::Event e;
  e.set_id(ids::NewId("evt"));
  e.set_source(source);
  e.set_type(type);
  e.set_aggregate_id(aggregate);
  SetTime(absl::ToUnixMicros(absl::Now()), e.mutable_occurred_at());
  e.mutable_payload()->PackFrom(payload);
  return e;
}

}  // namespace

void Prepare(grpc::ClientContext& ctx, const std::string& token) {
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
}

std::string ReasonOf(const grpc::Status& s) {
  auto info = InfoOf(s);
  return info ? info->reason() : "";
}

std::string FieldOf(const grpc::Status& s) {
  auto info = InfoOf(s);
  return info ? info->field() : "";
}

common::v1::Event WentLiveEvent(const std::string& stream, const std::string& host,
                                const std::string& title, bool resumed) {
  video_ingest::v1::StreamWentLive w;
  w.set_stream_id(stream);
  w.set_host_id(host);
  w.set_title(title);
  w.set_session_id("ses_1");
  w.set_resumed(resumed);
  return Wrap("video_ingest", "video_ingest.stream_went_live", stream, w);
}

common::v1::Event SegmentEvent(const std::string& stream, int64_t sequence, int64_t pdt_us,
                               int64_t duration_us, int64_t offset_us, bool discontinuity,
                               const std::string& session) {
  video_ingest::v1::SegmentClosed s;
  s.set_stream_id(stream);
  s.set_session_id(session);
  s.set_sequence(sequence);
  SetTime(pdt_us, s.mutable_program_date_time());
  SetDuration(duration_us, s.mutable_duration());
  SetDuration(offset_us, s.mutable_media_offset());
  s.set_size_bytes(100'000 + sequence);
  s.set_sha256(absl::StrFormat("%064x", sequence * 7919 + 1));
  s.set_path(absl::StrFormat("%s/%06d.ts", stream, sequence));
  s.set_content_type("video/mp2t");
  s.set_discontinuity(discontinuity);
  return SegmentEventFrom(s);
}

video_ingest::v1::SegmentClosed SegmentOf(const common::v1::Event& event) {
  video_ingest::v1::SegmentClosed s;
  if (!event.payload().UnpackTo(&s)) throw std::runtime_error("not a segment");
  return s;
}

common::v1::Event SegmentEventFrom(const video_ingest::v1::SegmentClosed& segment) {
  return Wrap("video_ingest", "video_ingest.segment_closed", segment.stream_id(), segment);
}

common::v1::Event EndedEvent(const std::string& stream, const std::string& host,
                             int64_t segment_count, video_ingest::v1::RecordingChoice choice,
                             const std::string& poster) {
  video_ingest::v1::StreamEnded e;
  e.set_stream_id(stream);
  e.set_host_id(host);
  e.set_status(common::v1::STREAM_STATUS_ENDED);
  e.set_end_reason(video_ingest::v1::STREAM_END_REASON_HOST_ENDED);
  e.set_recording_choice(choice);
  e.set_segment_count(segment_count);
  e.set_last_segment_sequence(segment_count - 1);
  e.set_poster_path(poster);
  return Wrap("video_ingest", "video_ingest.stream_ended", stream, e);
}

common::v1::Event SaleEvent(const std::string& stream, const std::string& host,
                            const std::string& order_id, const std::string& product_id,
                            int64_t moment_us, const std::string& auction_id) {
  order::v1::SaleRecorded s;
  s.set_order_id(order_id);
  s.set_stream_id(stream);
  s.set_seller_id(host);
  s.set_buyer_id("usr_buyer");
  s.set_product_id(product_id);
  s.set_product_title("Blue teapot");
  s.set_auction_id(auction_id);
  s.set_quantity(1);
  s.mutable_unit_price()->set_amount_minor(2500);
  s.mutable_unit_price()->set_currency("EUR");
  s.mutable_amount()->set_amount_minor(2500);
  s.mutable_amount()->set_currency("EUR");
  SetTime(moment_us, s.mutable_moment_at());
  SetTime(moment_us + 2 * kSecond, s.mutable_sold_at());
  return Wrap("order", "order.sale_recorded", order_id, s);
}

common::v1::Event SaleCancelledEvent(const std::string& order_id, const std::string& product_id) {
  order::v1::SaleCancelled c;
  c.set_order_id(order_id);
  c.set_product_id(product_id);
  c.set_quantity(1);
  return Wrap("order", "order.sale_cancelled", order_id, c);
}

common::v1::Event CreatedEvent(const std::string& stream, const std::string& host, bool gated) {
  video_ingest::v1::StreamCreated p;
  p.set_stream_id(stream);
  p.set_host_id(host);
  p.set_title("Gated or not");
  p.set_gated(gated);
  if (gated) {
    p.mutable_access_price()->set_amount_minor(499);
    p.mutable_access_price()->set_currency("EUR");
  }
  return Wrap("video_ingest", "video_ingest.stream_created", stream, p);
}

common::v1::Event UpdatedEvent(const std::string& stream, bool gated, int64_t version) {
  video_ingest::v1::StreamUpdated p;
  p.set_stream_id(stream);
  p.set_title("Gated or not");
  p.set_version(version);
  p.set_gated(gated);
  return Wrap("video_ingest", "video_ingest.stream_updated", stream, p);
}

common::v1::Event PassGrantedEvent(const std::string& order_id, const std::string& stream,
                                   const std::string& viewer) {
  order::v1::AccessPassGranted p;
  p.set_order_id(order_id);
  p.set_stream_id(stream);
  p.set_viewer_id(viewer);
  SetTime(absl::ToUnixMicros(absl::Now()), p.mutable_granted_at());
  return Wrap("order", "order.access_pass_granted", stream, p);
}

common::v1::Event PassRevokedEvent(const std::string& order_id, const std::string& stream,
                                   const std::string& viewer) {
  order::v1::AccessPassRevoked p;
  p.set_order_id(order_id);
  p.set_stream_id(stream);
  p.set_viewer_id(viewer);
  SetTime(absl::ToUnixMicros(absl::Now()), p.mutable_revoked_at());
  return Wrap("order", "order.access_pass_revoked", stream, p);
}

namespace {

void MakeStorageDirs(const std::string& base) {
  for (const char* d : {"warm", "vod-cache", "scratch"}) {
    std::filesystem::create_directories(std::filesystem::path(base) / d);
  }
  std::ofstream(base + "/vod-token.key") << "a test VOD token key of more than 32 bytes\n";
}

}  // namespace

std::vector<std::string> StorageEnv(const std::string& base) {
  MakeStorageDirs(base);
  const std::string p = "SHOPCAST_RECORDING_LIFECYCLE_";
  return {p + "WARM_ROOT=" + base + "/warm",
          p + "S3_ENDPOINT=http://127.0.0.1:9",
          p + "S3_BUCKET=shopcast-test",
          "RECORDING_LIFECYCLE_S3_ACCESS_KEY_ID=test",
          "RECORDING_LIFECYCLE_S3_SECRET_ACCESS_KEY=test-secret",
          p + "MOVER_SCRATCH_DIR=" + base + "/scratch",
          p + "CLIP_SCRATCH_DIR=" + base + "/scratch",
          p + "VOD_TOKEN_KEY_FILE=" + base + "/vod-token.key",
          p + "VOD_HTTP_ADDR=127.0.0.1:0",
          p + "VOD_CACHE_DIR=" + base + "/vod-cache"};
}

void SetStorage(Config& c, const std::string& base) {
  MakeStorageDirs(base);
  std::filesystem::create_directories(c.hot_root);
  c.tiers.tiers.hot_root = c.hot_root;
  c.tiers.tiers.warm_root = base + "/warm";
  c.tiers.tiers.cold.endpoint = "http://127.0.0.1:9";
  c.tiers.tiers.cold.bucket = "shopcast-test";
  c.tiers.tiers.cold.credentials.access_key_id = "test";
  c.tiers.tiers.cold.credentials.secret_access_key = "test-secret";
  c.tiers.mover.scratch_dir = base + "/scratch";
  // The tests here drive recordings by hand: no aging pass or purge round runs under them.
  c.tiers.aging_interval = absl::Hours(1);
  c.tiers.purger.interval = absl::Hours(1);
  c.clip_worker.scratch_root = base + "/scratch";
  c.clip_worker.auto_clips = false;
  c.vod_token_key_file = base + "/vod-token.key";
  c.vod_origin.listen = "127.0.0.1:0";
  c.vod_origin.cache_dir = base + "/vod-cache";
}

AppFixture::AppFixture(const std::function<void(Config&)>& edit)
    : pki_(dir_.File("pki"), {"recording-lifecycle", "video-ingest", "order", "product-inventory"}),
      signing_key_file_(dir_.File("signing.pem")),
      db_(shopcast::testing::TestDatabase::Create()) {
  auto key = auth::GenerateSigningKey("");
  if (!key.ok()) throw std::runtime_error("signing key");
  key->kid = auth::KeyIdFor(key->public_pem);
  std::ofstream(signing_key_file_) << key->private_pem;
  std::ofstream(dir_.File("signing.pub.pem")) << key->public_pem;
  std::ofstream(dir_.File("page-token.key")) << "a test page-token key of more than 32 bytes\n";
  Config config = BaseConfig();
  if (edit) edit(config);
  auto app = App::Create(config);
  if (!app.ok()) throw std::runtime_error("app: " + std::string(app.status().message()));
  app_ = *std::move(app);
  if (!app_->Start().ok()) throw std::runtime_error("app did not start");
}

AppFixture::~AppFixture() {
  if (app_) app_->Stop();
}

Config AppFixture::BaseConfig() const {
  Config c;
  c.grpc_addr = "127.0.0.1:0";
  c.metrics_addr = "";
  c.internal_grpc_addr = "127.0.0.1:0";
  c.service_tls = pki_.FilesOf("recording-lifecycle");
  c.db_dsn = db_.dsn();
  c.db_pool_size = 4;
  c.verify_key_files = {dir_.File("signing.pub.pem")};
  c.token_issuer = "shopcast-user";
  c.token_audience = "shopcast";
  c.page_token_key_file = dir_.File("page-token.key");
  c.drain_timeout = absl::Seconds(2);
  c.hot_root = dir_.File("hot");
  SetStorage(c, dir_.File("storage"));
  return c;
}

std::unique_ptr<pb::RecordingLifecycleService::Stub> AppFixture::Stub() const {
  return pb::RecordingLifecycleService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(app_->host().grpc_port()), grpc::InsecureChannelCredentials()));
}

std::unique_ptr<common::v1::EventSink::Stub> AppFixture::Sink(const std::string& peer) const {
  auto channel = clients::MakeInternalChannel(
      "recording-lifecycle", "127.0.0.1:" + std::to_string(app_->host().internal_grpc_port()),
      pki_.Of(peer));
  if (!channel.ok()) throw std::runtime_error("internal channel");
  return common::v1::EventSink::NewStub(*channel);
}

std::vector<std::string> AppFixture::Deliver(const std::string& peer,
                                             const std::vector<common::v1::Event>& events) const {
  auto sink = Sink(peer);
  common::v1::DeliverEventsRequest request;
  for (const auto& e : events) *request.add_events() = e;
  grpc::ClientContext ctx;
  Prepare(ctx, "");
  common::v1::DeliverEventsResponse response;
  grpc::Status s = sink->DeliverEvents(&ctx, request, &response);
  if (!s.ok()) throw std::runtime_error("DeliverEvents: " + s.error_message());
  return {response.accepted_ids().begin(), response.accepted_ids().end()};
}

void AppFixture::Deliver(const common::v1::Event& event) const {
  const std::string peer = event.source() == "order"               ? "order"
                           : event.source() == "product_inventory" ? "product-inventory"
                                                                   : "video-ingest";
  auto accepted = Deliver(peer, {event});
  if (accepted.size() != 1 || accepted[0] != event.id()) {
    throw std::runtime_error("event not accepted: " + event.type());
  }
}

std::string AppFixture::TokenFor(const std::string& user_id, const std::string& role) const {
  auto key = auth::LoadSigningKeyFile(signing_key_file_);
  auto parsed = auth::ParseRole(role);
  if (!key.ok() || !parsed) throw std::runtime_error("token");
  auth::TokenIssuer issuer(*key, "shopcast-user", "shopcast", absl::Minutes(15));
  auto token = issuer.Issue(user_id, *parsed, absl::Now(), {}, "");
  if (!token.ok()) throw std::runtime_error("token");
  return token->token;
}

int64_t AppFixture::Count(const std::string& sql) const {
  pqxx::connection c(db_.dsn());
  pqxx::work tx(c);
  return tx.exec1(sql)[0].as<int64_t>();
}

std::string AppFixture::Text(const std::string& sql) const {
  pqxx::connection c(db_.dsn());
  pqxx::work tx(c);
  return tx.exec1(sql)[0].as<std::string>();
}

void AppFixture::Exec(const std::string& sql) const {
  pqxx::connection c(db_.dsn());
  pqxx::work tx(c);
  tx.exec0(sql);
  tx.commit();
}

int AppFixture::FetchVod(const std::string& url, std::string* body) const {
  const size_t vod = url.find("/vod/");
  if (vod == std::string::npos) throw std::runtime_error("not a /vod/ URL: " + url);
  const std::string local =
      absl::StrCat("http://127.0.0.1:", app_->vod_http_port(), url.substr(vod));
  const std::string out = dir_.File("fetched"), code = dir_.File("fetched.code");
  std::error_code ec;
  std::filesystem::remove(out, ec);
  const std::string cmd =
      absl::StrCat("curl -s -m 30 -o '", out, "' -w '%{http_code}' '", local, "' > '", code, "'");
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("curl failed: " + local);
  if (body != nullptr) *body = shopcast::testing::ReadFileText(out);
  return std::atoi(shopcast::testing::ReadFileText(code).c_str());
}

}  // namespace shopcast::recording_lifecycle::testing
