#include "app_fixture.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "grpcpp/create_channel.h"
#include "rooms/room_sql.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/roles.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/clients/internal.h"
#include "shopcast/db/migrations.h"
#include "shopcast/db/transaction.h"
#include "shopcast/events/inbox.h"
#include "shopcast/ids/ids.h"
#include "shopcast/testing/wait.h"

namespace shopcast::db::embedded {
const MigrationSet& realtime_pushMigrations();
}  // namespace shopcast::db::embedded

namespace shopcast::realtime_push::testing {
namespace {

std::unique_ptr<db::Pool> MakePool(const std::string& dsn, int size) {
  auto pool = db::Pool::Create(
      db::PoolOptions{dsn, size, absl::Seconds(10), rooms::sql::PreparedStatements(), "rp-test"});
  if (!pool.ok()) throw std::runtime_error("pool: " + std::string(pool.status().message()));
  return *std::move(pool);
}

}  // namespace

Replica::Replica(const Config& config, const AppOverrides& overrides) {
  auto app = App::Create(config, overrides);
  if (!app.ok()) throw std::runtime_error("app: " + std::string(app.status().message()));
  app_ = *std::move(app);
  if (!app_->Start().ok()) throw std::runtime_error("app did not start");
  const bool listening =
      shopcast::testing::WaitUntil([this] { return hub().listening(); }, absl::Seconds(20));
  if (!listening) throw std::runtime_error("the feed hub did not start listening");
}

Replica::~Replica() { app_->Stop(); }

std::unique_ptr<pb::RealtimePushService::Stub> Replica::PublicStub(int window_bytes) const {
  grpc::ChannelArguments args;
  // A distinct channel per stub: each subscriber gets its own connection and flow control.
  args.SetInt("shopcast.test.channel", static_cast<int>(reinterpret_cast<intptr_t>(&args)));
  if (window_bytes > 0) {
    args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, window_bytes);
  }
  return pb::RealtimePushService::NewStub(grpc::CreateCustomChannel(
      "127.0.0.1:" + std::to_string(host().grpc_port()), grpc::InsecureChannelCredentials(), args));
}

std::string Replica::internal_target() const {
  return "127.0.0.1:" + std::to_string(host().internal_grpc_port());
}

std::unique_ptr<pb::RealtimePushInternalService::Stub> Replica::InternalStub(
    const auth::ServiceTls& client) const {
  auto channel = clients::MakeInternalChannel("realtime-push", internal_target(), client);
  if (!channel.ok()) throw std::runtime_error("internal channel");
  return pb::RealtimePushInternalService::NewStub(*channel);
}

std::unique_ptr<common::v1::EventSink::Stub> Replica::SinkStub(
    const auth::ServiceTls& client) const {
  auto channel = clients::MakeInternalChannel("realtime-push", internal_target(), client);
  if (!channel.ok()) throw std::runtime_error("internal channel");
  return common::v1::EventSink::NewStub(*channel);
}

RoomsFixture::RoomsFixture()
    : pki_(dir_.File("pki"), {"realtime-push", "video-ingest"}),
      signing_key_file_(dir_.File("signing.pem")),
      db_(shopcast::testing::TestDatabase::Create()) {
  auto key = auth::GenerateSigningKey("test");
  if (!key.ok()) throw std::runtime_error("signing key");
  std::ofstream(signing_key_file_) << key->private_pem;
  absl::Status migrated = db::ApplyMigrations(
      db_.dsn(), {&db::embedded::realtime_pushMigrations(), &events::InboxMigrations()});
  if (!migrated.ok()) throw std::runtime_error(std::string(migrated.message()));
  pool_ = MakePool(db_.dsn(), 2);
}

Config RoomsFixture::BaseConfig() const {
  Config c;
  c.grpc_addr = "127.0.0.1:0";
  c.metrics_addr = "";
  c.internal_grpc_addr = "127.0.0.1:0";
  c.service_tls = pki_.FilesOf("realtime-push");
  c.db_dsn = db_.dsn();
  c.db_pool_size = 4;
  c.verify_key_files = {signing_key_file_};
  c.token_issuer = "shopcast-user";
  c.token_audience = "shopcast";
  c.revocation_sync_interval = absl::Seconds(1);
  c.retain_events = 10000;
  c.retain_age = absl::Hours(24);
  c.purge_interval = absl::Hours(1);
  // The production defaults: tests of slow readers set smaller ones.
  c.feed_ring = 4096;
  c.max_subscriber_lag = 1024;
  c.keep_alive = absl::Seconds(15);
  c.feed_poll_interval = absl::Milliseconds(200);
  c.end_linger = absl::Seconds(1);
  c.drain_timeout = absl::Seconds(2);
  c.shutdown_unready_delay = absl::ZeroDuration();
  // notifications: quick fallback reads and background loops.
  c.notification_poll_interval = absl::Milliseconds(200);
  c.fanout_interval = absl::Milliseconds(100);
  c.email_interval = absl::Milliseconds(100);
  return c;
}

Replica& RoomsFixture::AddReplica(const ConfigEdit& edit, const AppOverrides& overrides) {
  Config config = BaseConfig();
  if (edit) edit(config);
  replicas_.push_back(std::make_unique<Replica>(config, overrides));
  return *replicas_.back();
}

std::string RoomsFixture::TokenFor(const std::string& user_id, const std::string& role,
                                   const std::string& name, absl::Time issued_at) const {
  auto key = auth::LoadSigningKeyFile(signing_key_file_);
  auto parsed = auth::ParseRole(role);
  if (!key.ok() || !parsed) throw std::runtime_error("token");
  auth::TokenIssuer issuer(*key, "shopcast-user", "shopcast", absl::Minutes(15));
  auto token = issuer.Issue(user_id, *parsed, issued_at, "", name);
  if (!token.ok()) throw std::runtime_error("token");
  return token->token;
}

void Authorize(grpc::ClientContext& ctx, const std::string& token) {
  ctx.AddMetadata("authorization", "Bearer " + token);
}

std::string RoomsFixture::OpenRoom(const std::string& host_id) {
  std::string id = ids::NewId("str");
  absl::Status s = db::InTransaction(*pool_, [&](pqxx::work& tx) -> absl::Status {
    rooms::tx::OpenRoom(tx, id, host_id, "a show", absl::Now());
    return absl::OkStatus();
  });
  if (!s.ok()) throw std::runtime_error("open room");
  return id;
}

pb::RoomEvent ProductEvent(const std::string& product_id, const std::string& title, int64_t version,
                           size_t pad) {
  pb::RoomEvent e;
  pb::ProductCard* card = e.mutable_product_created()->mutable_product();
  card->set_product_id(product_id);
  std::string t = title;
  if (t.size() < pad) t.append(pad - t.size(), '.');
  card->set_title(t);
  card->set_version(version);
  card->set_available(10);
  card->set_total(10);
  card->set_purchasable(true);
  return e;
}

int64_t Publish(pb::RealtimePushInternalService::Stub& stub, const std::string& stream_id,
                const std::string& event_id, const pb::RoomEvent& event) {
  pb::PublishRequest req;
  req.set_stream_id(stream_id);
  req.set_event_id(event_id);
  *req.mutable_event() = event;
  pb::PublishResponse res;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::Status s = stub.Publish(&ctx, req, &res);
  if (!s.ok()) FAIL("Publish failed: " << s.error_message());
  return res.sequence();
}

Subscriber::Subscriber(pb::RealtimePushService::Stub& stub, const std::string& stream_id,
                       int64_t after_sequence, bool paused, int max_events_per_message)
    : after_(after_sequence), paused_(paused) {
  pb::SubscribeRequest req;
  req.set_stream_id(stream_id);
  req.set_after_sequence(after_sequence);
  req.set_max_events_per_message(max_events_per_message);
  reader_ = stub.Subscribe(&ctx_, req);
  thread_ = std::thread([this] { Run(); });
}

Subscriber::~Subscriber() {
  Cancel();
  Resume();
  thread_.join();
}

void Subscriber::Resume() {
  absl::MutexLock lock(&mu_);
  paused_ = false;
}

void Subscriber::Cancel() { ctx_.TryCancel(); }

void Subscriber::Run() {
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](bool* p) { return !*p; }, &paused_));
  }
  pb::SubscribeResponse msg;
  while (reader_->Read(&msg)) {
    const absl::Time now = absl::Now();
    absl::MutexLock lock(&mu_);
    received_.push_back(msg);
    received_at_.push_back(now);
  }
  grpc::Status status = reader_->Finish();
  absl::MutexLock lock(&mu_);
  status_ = status;
  finished_ = true;
}

std::vector<pb::SubscribeResponse> Subscriber::Received() const {
  absl::MutexLock lock(&mu_);
  return received_;
}

std::vector<absl::Time> Subscriber::ReceivedAt() const {
  absl::MutexLock lock(&mu_);
  return received_at_;
}

std::vector<int64_t> Subscriber::Sequences() const {
  std::vector<int64_t> seqs;
  for (const auto& m : Received()) {
    if (m.has_event() && !m.event().ephemeral()) seqs.push_back(m.event().sequence());
    for (const pb::RoomEvent& e : m.events().events()) seqs.push_back(e.sequence());
  }
  return seqs;
}

int64_t Subscriber::LastSequence() const {
  int64_t last = 0;
  for (const auto& m : Received()) {
    if (m.has_started()) {
      last = m.started().resumed() ? after_ : m.started().snapshot().sequence();
    } else if (m.has_resync()) {
      last = m.resync().snapshot().sequence();
    } else if (m.has_event() && !m.event().ephemeral()) {
      last = m.event().sequence();
    } else if (m.events().events_size() > 0) {
      last = m.events().events().rbegin()->sequence();
    }
  }
  return last;
}

bool Subscriber::WaitForSequence(int64_t seq, absl::Duration timeout) const {
  return shopcast::testing::WaitUntil([&] { return LastSequence() >= seq; }, timeout);
}

bool Subscriber::WaitForCount(size_t messages, absl::Duration timeout) const {
  return shopcast::testing::WaitUntil([&] { return Received().size() >= messages; }, timeout);
}

grpc::Status Subscriber::Wait(absl::Duration timeout) {
  shopcast::testing::WaitUntil([&] { return finished(); }, timeout);
  absl::MutexLock lock(&mu_);
  return finished_ ? status_ : grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "still open");
}

bool Subscriber::finished() const {
  absl::MutexLock lock(&mu_);
  return finished_;
}

}  // namespace shopcast::realtime_push::testing
