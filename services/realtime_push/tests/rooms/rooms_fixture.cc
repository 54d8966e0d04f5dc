#include "rooms_fixture.h"

#include <catch2/catch.hpp>

#include "grpcpp/create_channel.h"
#include "rooms/room_sql.h"
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
  auto pool = db::Pool::Create(db::PoolOptions{dsn, size, absl::Seconds(10),
                                               rooms::sql::PreparedStatements(), "rp-test"});
  if (!pool.ok()) throw std::runtime_error("pool: " + std::string(pool.status().message()));
  return *std::move(pool);
}

}  // namespace

Replica::Replica(const std::string& dsn, const auth::ServiceTls& tls, ReplicaOptions options) {
  pool_ = MakePool(dsn, 5);
  log_ = std::make_unique<rooms::RoomLog>(*pool_);
  server::HostOptions o;
  o.service_name = "realtime-push";
  o.grpc_addr = "127.0.0.1:0";
  o.internal_grpc_addr = "127.0.0.1:0";
  o.internal_credentials = auth::InternalServerCredentials(tls);
  o.executor_threads = 4;
  o.drain_timeout = absl::Seconds(2);
  host_ = std::make_unique<server::ServiceHost>(o);
  hub_ = std::make_unique<rooms::FeedHub>(*log_, host_->executor(), dsn, options.feed, nullptr);
  room_service_ = std::make_unique<rooms::RoomServiceImpl>(*hub_, options.subscribe, nullptr);
  internal_service_ = std::make_unique<rooms::InternalServiceImpl>(*hub_, host_->executor());
  sink_ = std::make_unique<rooms::EventSinkService>(*pool_, *hub_, host_->executor());
  host_->AddService(room_service_.get());
  host_->AddInternalService(internal_service_.get());
  host_->AddInternalService(sink_.get());
  hub_->Start();
  if (!host_->Start().ok()) throw std::runtime_error("host did not start");
  const bool listening = shopcast::testing::WaitUntil([this] { return hub_->listening(); },
                                                       absl::Seconds(20));
  if (!listening) throw std::runtime_error("the feed hub did not start listening");
}

Replica::~Replica() {
  hub_->CloseAll(absl::UnavailableError("test replica stopping"));
  host_->Shutdown();
  hub_->Stop();
}

std::unique_ptr<pb::RealtimePushService::Stub> Replica::PublicStub(int window_bytes) const {
  grpc::ChannelArguments args;
  // A distinct channel per stub: each subscriber gets its own connection and flow control.
  args.SetInt("shopcast.test.channel", static_cast<int>(reinterpret_cast<intptr_t>(&args)));
  if (window_bytes > 0) {
    args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, window_bytes);
  }
  return pb::RealtimePushService::NewStub(grpc::CreateCustomChannel(
      "127.0.0.1:" + std::to_string(host_->grpc_port()), grpc::InsecureChannelCredentials(),
      args));
}

std::string Replica::internal_target() const {
  return "127.0.0.1:" + std::to_string(host_->internal_grpc_port());
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
      db_(shopcast::testing::TestDatabase::Create()) {
  absl::Status migrated = db::ApplyMigrations(
      db_.dsn(), {&db::embedded::realtime_pushMigrations(), &events::InboxMigrations()});
  if (!migrated.ok()) throw std::runtime_error(std::string(migrated.message()));
  pool_ = MakePool(db_.dsn(), 2);
}

Replica& RoomsFixture::AddReplica(ReplicaOptions options) {
  replicas_.push_back(std::make_unique<Replica>(db_.dsn(), pki_.Of("realtime-push"), options));
  return *replicas_.back();
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

pb::RoomEvent ProductEvent(const std::string& product_id, const std::string& title,
                           int64_t version, size_t pad) {
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
                       int64_t after_sequence, bool paused)
    : after_(after_sequence), paused_(paused) {
  pb::SubscribeRequest req;
  req.set_stream_id(stream_id);
  req.set_after_sequence(after_sequence);
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
    mu_.Await(absl::Condition(+[](bool* p) { return !*p; }, &paused_));
  }
  pb::SubscribeResponse msg;
  while (reader_->Read(&msg)) {
    absl::MutexLock lock(&mu_);
    received_.push_back(msg);
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

std::vector<int64_t> Subscriber::Sequences() const {
  std::vector<int64_t> seqs;
  for (const auto& m : Received()) {
    if (m.has_event() && !m.event().ephemeral()) seqs.push_back(m.event().sequence());
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
