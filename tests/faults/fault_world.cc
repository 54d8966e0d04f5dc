#include "fault_world.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <pqxx/pqxx>
#include <random>
#include <stdexcept>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "catalog.h"
#include "grpcpp/grpcpp.h"
#include "ingest_fixture.h"  // video-ingest's real encoder (Publisher)
#include "shopcast/common/v1/event.pb.h"
#include "shopcast/ids/ids.h"
#include "shopcast/order/v1/order.grpc.pb.h"
#include "shopcast/product_inventory/v1/product_inventory.grpc.pb.h"
#include "shopcast/realtime_push/v1/realtime_push.grpc.pb.h"
#include "shopcast/testing/temp_dir.h"
#include "shopcast/testing/wait.h"
#include "shopcast/video_ingest/v1/video_ingest.grpc.pb.h"

namespace shopcast::faults {
namespace {

namespace pb_order = ::shopcast::order::v1;
namespace pi = ::shopcast::product_inventory::v1;
namespace rp = ::shopcast::realtime_push::v1;
namespace vi = ::shopcast::video_ingest::v1;

constexpr absl::Duration kCallDeadline = absl::Seconds(5);
// How long one client operation keeps retrying before it is given up (a service restarts in a
// few seconds; a database in crash recovery a few more).
constexpr absl::Duration kRetryBudget = absl::Seconds(60);

std::string Run(const std::string& command) {
  FILE* out = popen(command.c_str(), "r");
  if (out == nullptr) throw std::runtime_error("faults: popen " + command);
  std::array<char, 512> line{};
  std::string text;
  while (fgets(line.data(), line.size(), out) != nullptr) text += line.data();
  const int rc = pclose(out);
  if (rc != 0) throw std::runtime_error(absl::StrCat("faults: `", command, "` failed (", rc, ")"));
  return std::string(absl::StripAsciiWhitespace(text));
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) close(fd);
    throw std::runtime_error("faults: no free port");
  }
  const int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

// A client channel as an app holds one: it reconnects by itself, quickly after a restart.
std::shared_ptr<grpc::Channel> ClientChannel(int port) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                   grpc::InsecureChannelCredentials(), args);
}

void Prepare(grpc::ClientContext& ctx, const std::string& token,
             absl::Duration deadline = kCallDeadline) {
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
}

// Calls `call()` (one attempt, a fresh context each time) until it answers or `budget` runs
// out, with a capped jittered backoff; counts the repeats. `stopping`, when it turns true,
// does not cut an operation short: only the budget does (a real client keeps its retry).
grpc::Status WithRetries(Counts& counts, const std::function<grpc::Status()>& call,
                         absl::Duration budget = kRetryBudget) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  const absl::Time give_up = absl::Now() + budget;
  absl::Duration backoff = absl::Milliseconds(50);
  while (true) {
    grpc::Status s = call();
    if (!Retryable(s) || absl::Now() + backoff >= give_up) return s;
    counts.retries.fetch_add(1);
    std::uniform_int_distribution<int64_t> jitter(0, absl::ToInt64Milliseconds(backoff));
    absl::SleepFor(backoff + absl::Milliseconds(jitter(rng)));
    backoff = std::min(backoff * 2, absl::Seconds(1));
  }
}

std::string PgCluster() { return SHOPCAST_FAULTS_PG_CLUSTER; }

// Runs a server program of the newest installed PostgreSQL as the cluster's owner (postgres
// when we are root, as tools/pg-cluster does).
std::string PgCommand(const std::string& program) {
  return absl::StrCat(
      "bindir=\"${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)}\"; ",
      "if [ \"$(id -u)\" = 0 ]; then as='runuser -u postgres --'; else as=''; fi; ",
      "$as \"$bindir/", program, "\"");
}

}  // namespace

void PrintCounts(const std::string& fault, const Counts& c) {
  std::cout << "faults[" << fault << "] faults_injected=" << c.faults.load()
            << " operations_acknowledged=" << c.acknowledged.load()
            << " retries=" << c.retries.load() << " given_up=" << c.gave_up.load()
            << " invariant_checks=" << c.invariant_checks.load()
            << " publisher_restarts=" << c.publisher_restarts.load()
            << " viewer_resubscribes=" << c.resubscribes.load() << std::endl;
}

int RoundsFromEnv(int bounded) {
  const char* v = std::getenv("SHOPCAST_FAULTS_ROUNDS");
  if (v == nullptr) return bounded;
  const int n = std::atoi(v);
  return n > 0 ? n : bounded;
}

bool Retryable(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::UNAVAILABLE ||
         status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
}

// ---------------------------------------------------------------------------------------------
// OwnCluster

OwnCluster::OwnCluster(std::string datadir, std::string log_path)
    : datadir_(std::move(datadir)), log_path_(std::move(log_path)), port_(FreePort()) {}

OwnCluster::~OwnCluster() {
  const std::string cmd = absl::StrCat(PgCommand("pg_ctl"), " stop -D ", ShellQuote(datadir_),
                                       " -m immediate >>", ShellQuote(log_path_), " 2>&1");
  (void)std::system(cmd.c_str());
}

void OwnCluster::StopImmediate() {
  Run(absl::StrCat(PgCommand("pg_ctl"), " stop -D ", ShellQuote(datadir_), " -m immediate -w",
                   " >>", ShellQuote(log_path_), " 2>&1"));
}

void OwnCluster::Start() {
  // No SHOPCAST_PG_FAST: an immediate stop must not lose a commit the server acknowledged
  // (synchronous_commit stays on), as in production.
  Run(absl::StrCat("env -u SHOPCAST_PG_FAST ", ShellQuote(PgCluster()), " start ",
                   ShellQuote(datadir_), " ", port_, " 2>>", ShellQuote(log_path_)));
}

std::string OwnCluster::Database(const std::string& name) {
  Run(absl::StrCat(ShellQuote(PgCluster()), " createdb ", ShellQuote(datadir_), " ", port_, " ",
                   ShellQuote(name), " >>", ShellQuote(log_path_), " 2>&1"));
  return absl::StrCat("host=127.0.0.1 port=", port_, " user=shopcast dbname=", name);
}

// ---------------------------------------------------------------------------------------------
// FaultWorld

struct FaultWorld::Impl {
  shopcast::testing::TempDir clusters_dir;
  std::map<std::string, std::unique_ptr<OwnCluster>> clusters;
  suite::Account admin, host;
  std::vector<suite::Account> buyers;
  std::mutex tokens_mu;
  std::map<std::string, std::pair<std::string, absl::Time>> tokens;  // username → token
  std::mutex publisher_mu;
  std::unique_ptr<video_ingest::e2e::Publisher> publisher;
  std::string stream_key;
  int publisher_runs = 0;
};

namespace {

std::string TokenOf(suite::Suite& suite, Counts& counts, FaultWorld& world, std::mutex& mu,
                    std::map<std::string, std::pair<std::string, absl::Time>>& cache,
                    const suite::Account& account) {
  (void)world;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(account.username);
    if (it != cache.end() && absl::Now() - it->second.second < absl::Minutes(1)) {
      return it->second.first;
    }
  }
  std::string token;
  grpc::Status s = WithRetries(counts, [&] {
    try {
      token = suite.Login(account);
      return grpc::Status::OK;
    } catch (const std::exception& e) {
      // Suite::Login throws on any failure; while the user service is down that is a retry.
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, e.what());
    }
  });
  if (!s.ok())
    throw std::runtime_error("faults: login " + account.username + ": " + s.error_message());
  std::lock_guard<std::mutex> lock(mu);
  cache[account.username] = {token, absl::Now()};
  return token;
}

}  // namespace

FaultWorld::FaultWorld(WorldOptions options) : options_(std::move(options)), impl_(new Impl) {
  suite::SuiteOptions suite_options = options_.suite;
  // A dead order runner's sagas resume once its lease lapses (30 s by default, and then a
  // recovery round): a deployment's choice; short here so each fault settles within the
  // bounded run's budget. A test's own setting (extra_env) comes later and wins.
  suite_options.extra_env.insert(suite_options.extra_env.begin(), "SHOPCAST_ORDER_SAGA_LEASE=5s");
  if (!options_.own_cluster.empty()) {
    // The clusters' owner (postgres, when we are root) must reach its data directory.
    chmod(impl_->clusters_dir.path().c_str(), 0755);
    for (const std::string& service : options_.own_cluster) {
      auto cluster =
          std::make_unique<OwnCluster>(impl_->clusters_dir.File("pg-" + service),
                                       impl_->clusters_dir.File("pg-" + service + ".log"));
      cluster->Start();
      suite_options.database_dsn[service] =
          cluster->Database("shopcast_" + absl::StrReplaceAll(service, {{"-", "_"}}));
      impl_->clusters.emplace(service, std::move(cluster));
    }
  }
  suite_ = std::make_unique<suite::Suite>(suite_options);
  impl_->admin = suite_->CreateAccount("fault_admin", auth::Role::kAdmin);
  impl_->host = suite_->CreateAccount("fault_host", auth::Role::kHost);
  for (int i = 0; i < options_.buyers; ++i) {
    impl_->buyers.push_back(
        suite_->CreateAccount(absl::StrCat("fault_buyer_", i), auth::Role::kViewer));
  }

  // The show: a stream, a real encoder on it, its room open.
  auto ingest =
      vi::VideoIngestService::NewStub(ClientChannel(suite_->endpoints("video-ingest").grpc));
  vi::CreateStreamRequest create;
  create.set_title("Fault show");
  create.set_idempotency_key(ids::NewId("key"));
  vi::CreateStreamResponse created;
  const std::string host_token = HostToken();
  grpc::Status s = WithRetries(counts_, [&] {
    grpc::ClientContext ctx;
    Prepare(ctx, host_token, absl::Seconds(30));
    return ingest->CreateStream(&ctx, create, &created);
  });
  if (!s.ok()) throw std::runtime_error("faults: CreateStream: " + s.error_message());
  stream_id_ = created.stream().id();
  impl_->stream_key = created.endpoints().stream_key();
  KeepPublishing();
  auto push =
      rp::RealtimePushService::NewStub(ClientChannel(suite_->endpoints("realtime-push").grpc));
  auto room_live = [&] {
    rp::SubscribeRequest request;
    request.set_stream_id(stream_id_);
    grpc::ClientContext ctx;
    Prepare(ctx, "", absl::Seconds(10));
    auto reader = push->Subscribe(&ctx, request);
    rp::SubscribeResponse first;
    const bool got = reader->Read(&first);
    ctx.TryCancel();
    reader->Finish();
    return got &&
           first.started().snapshot().stream_status().status() == common::v1::STREAM_STATUS_LIVE;
  };
  if (!shopcast::testing::WaitUntil(room_live, absl::Seconds(90), absl::Milliseconds(200))) {
    throw std::runtime_error("faults: the stream's room did not open LIVE; ffmpeg:\n" +
                             impl_->publisher->log());
  }

  // The products, created while on air (as a host drops them), attached to the stream.
  auto stub = pi::ProductInventoryService::NewStub(
      ClientChannel(suite_->endpoints("product-inventory").grpc));
  const pi::CreateProductTypeRequest type_req = suite::MugTypeRequest({"S", "L"});
  pi::CreateProductTypeResponse type;
  const std::string admin_token =
      TokenOf(*suite_, counts_, *this, impl_->tokens_mu, impl_->tokens, impl_->admin);
  grpc::ClientContext type_ctx;
  Prepare(type_ctx, admin_token, absl::Seconds(30));
  if (!(s = stub->CreateProductType(&type_ctx, type_req, &type)).ok()) {
    throw std::runtime_error("faults: CreateProductType: " + s.error_message());
  }
  const pi::CreateShippingProfileRequest profile_req = suite::StandardShippingRequest();
  pi::CreateShippingProfileResponse profile;
  grpc::ClientContext profile_ctx;
  Prepare(profile_ctx, host_token, absl::Seconds(30));
  if (!(s = stub->CreateShippingProfile(&profile_ctx, profile_req, &profile)).ok()) {
    throw std::runtime_error("faults: CreateShippingProfile: " + s.error_message());
  }
  for (int i = 0; i < options_.products; ++i) {
    pi::CreateProductRequest req;
    pi::Product* product = req.mutable_product();
    product->set_stream_id(stream_id_);
    product->set_product_type_id(type.product_type().id());
    product->set_title(absl::StrCat("Enamel mug #", i + 1));
    (*product->mutable_parameters())["size"].set_choice_value("L");
    product->set_sale_mode(pi::SALE_MODE_FIXED_PRICE);
    product->mutable_price()->set_amount_minor(options_.price_minor);
    product->mutable_price()->set_currency("USD");
    product->set_shipping_profile_id(profile.shipping_profile().id());
    req.set_initial_stock(options_.units_per_product);
    req.set_idempotency_key(absl::StrCat("product-", i));
    pi::CreateProductResponse res;
    grpc::ClientContext ctx;
    Prepare(ctx, host_token, absl::Seconds(30));
    if (!(s = stub->CreateProduct(&ctx, req, &res)).ok()) {
      throw std::runtime_error("faults: CreateProduct: " + s.error_message());
    }
    product_ids_.push_back(res.product().id());
  }
}

FaultWorld::~FaultWorld() {
  {
    std::lock_guard<std::mutex> lock(impl_->publisher_mu);
    if (impl_->publisher && impl_->publisher->running()) impl_->publisher->Kill();
  }
  // For a run made by hand: the services' logs kept where SHOPCAST_FAULTS_KEEP_LOGS says.
  if (const char* keep = std::getenv("SHOPCAST_FAULTS_KEEP_LOGS"); keep != nullptr && suite_) {
    std::error_code ec;
    std::filesystem::create_directories(keep, ec);
    for (const auto& entry : std::filesystem::directory_iterator(suite_->File(""), ec)) {
      if (entry.path().filename().string().find(".log") == std::string::npos) continue;
      std::filesystem::copy_file(entry.path(),
                                 std::filesystem::path(keep) / entry.path().filename(),
                                 std::filesystem::copy_options::overwrite_existing, ec);
    }
  }
}

std::string FaultWorld::HostToken() {
  return TokenOf(*suite_, counts_, *this, impl_->tokens_mu, impl_->tokens, impl_->host);
}

std::string FaultWorld::BuyerToken(int i) {
  return TokenOf(*suite_, counts_, *this, impl_->tokens_mu, impl_->tokens, impl_->buyers.at(i));
}

const std::string& FaultWorld::BuyerId(int i) const { return impl_->buyers.at(i).id; }

OwnCluster& FaultWorld::cluster(const std::string& service) {
  auto it = impl_->clusters.find(service);
  if (it == impl_->clusters.end())
    throw std::runtime_error("faults: no own cluster for " + service);
  return *it->second;
}

void FaultWorld::KeepPublishing() {
  std::lock_guard<std::mutex> lock(impl_->publisher_mu);
  if (impl_->publisher && impl_->publisher->running()) return;
  if (!suite_->IsRunning("video-ingest")) return;  // nothing to connect to; the next upkeep
  if (impl_->publisher) counts_.publisher_restarts.fetch_add(1);
  ++impl_->publisher_runs;
  // An hour of video: it ends only when video-ingest goes away (or the test does).
  impl_->publisher = std::make_unique<video_ingest::e2e::Publisher>(
      video_ingest::e2e::Publisher::Kind::kFfmpegRtmp, suite_->RtmpUrl(impl_->stream_key), 3600,
      suite_->File(absl::StrCat("ffmpeg.", impl_->publisher_runs, ".log")));
}

// ---------------------------------------------------------------------------------------------
// LoadDriver

struct LoadDriver::Impl {
  explicit Impl(FaultWorld& w) : world(w) {}
  FaultWorld& world;
  std::atomic<bool> buyers_stop{false};
  std::atomic<bool> viewers_stop{false};
  std::vector<std::thread> buyers;
  std::vector<std::thread> viewer_threads;
  std::thread upkeep;
  std::atomic<int64_t> ok_ops{0};

  mutable std::mutex mu;
  std::vector<AckedOrder> orders;
  std::vector<ViewerLog> viewers;
  std::set<std::string> unanswered;
  std::vector<grpc::ClientContext*> live_subscriptions;

  void Buyer(int index);
  void Viewer(int index);
};

void LoadDriver::Impl::Buyer(int index) {
  std::mt19937 rng(std::random_device{}() + static_cast<unsigned>(index));
  Counts& counts = world.counts();
  auto pi_stub = pi::ProductInventoryService::NewStub(
      ClientChannel(world.suite().endpoints("product-inventory").grpc));
  auto order_stub =
      pb_order::OrderService::NewStub(ClientChannel(world.suite().endpoints("order").grpc));
  const auto& products = world.product_ids();
  int sold_out_streak = 0;
  while (!buyers_stop.load()) {
    std::string token;
    try {
      token = world.BuyerToken(index);
    } catch (const std::exception&) {
      counts.gave_up.fetch_add(1);
      continue;
    }
    // Reserve one unit of a random product, with a key a retry repeats.
    pi::ReserveRequest reserve;
    reserve.set_product_id(products[rng() % products.size()]);
    reserve.set_quantity(1);
    reserve.set_idempotency_key(ids::NewId("rk"));
    pi::ReserveResponse reserved;
    grpc::Status s = WithRetries(counts, [&] {
      grpc::ClientContext ctx;
      Prepare(ctx, token);
      return pi_stub->Reserve(&ctx, reserve, &reserved);
    });
    if (Retryable(s)) {
      counts.gave_up.fetch_add(1);
      continue;
    }
    counts.acknowledged.fetch_add(1);
    if (!s.ok()) {
      // Sold out (or another definite refusal): an answer; a buyer moves on.
      if (++sold_out_streak > 20) absl::SleepFor(absl::Milliseconds(200));
      continue;
    }
    sold_out_streak = 0;
    ok_ops.fetch_add(1);
    // Pay for it: mostly an approving card, now and then a declined one.
    const bool decline = rng() % 8 == 0;
    pb_order::PlaceOrderRequest place;
    place.set_reservation_id(reserved.reservation().id());
    place.set_idempotency_key(ids::NewId("ok"));
    pb_order::ShippingAddress* a = place.mutable_shipping_address();
    a->set_recipient_name("Ada Lovelace");
    a->set_line1("12 Analytical Row");
    a->set_city("London");
    a->set_postal_code("N1 9GU");
    a->set_country_code("GB");
    a->set_phone("+442071234567");
    place.mutable_payment_method()->mutable_placeholder()->set_token(
        decline ? "pm_test_card_declined" : "pm_test_approve");
    pb_order::PlaceOrderResponse placed;
    s = WithRetries(counts, [&] {
      grpc::ClientContext ctx;
      Prepare(ctx, token, absl::Seconds(10));
      return order_stub->PlaceOrder(&ctx, place, &placed);
    });
    if (Retryable(s)) {
      counts.gave_up.fetch_add(1);
      std::lock_guard<std::mutex> lock(mu);
      unanswered.insert(place.idempotency_key());
      continue;
    }
    counts.acknowledged.fetch_add(1);
    if (!s.ok()) continue;  // e.g. the hold ran out: nothing was sold, the invariants agree
    ok_ops.fetch_add(1);
    AckedOrder acked;
    acked.order_id = placed.order().id();
    acked.product_id = reserve.product_id();
    acked.buyer_id = world.BuyerId(index);
    acked.status = placed.order().status();
    acked.total_minor = placed.order().total().amount_minor();
    std::lock_guard<std::mutex> lock(mu);
    orders.push_back(std::move(acked));
  }
}

void LoadDriver::Impl::Viewer(int index) {
  Counts& counts = world.counts();
  auto push = rp::RealtimePushService::NewStub(
      ClientChannel(world.suite().endpoints("realtime-push").grpc));
  int64_t last = 0;
  bool first = true;
  while (!viewers_stop.load()) {
    grpc::ClientContext ctx;
    {
      std::lock_guard<std::mutex> lock(mu);
      live_subscriptions.push_back(&ctx);
    }
    rp::SubscribeRequest request;
    request.set_stream_id(world.stream_id());
    request.set_after_sequence(last);
    auto reader = push->Subscribe(&ctx, request);
    rp::SubscribeResponse message;
    bool started = false;
    while (!viewers_stop.load() && reader->Read(&message)) {
      std::lock_guard<std::mutex> lock(mu);
      ViewerLog& log = viewers[index];
      switch (message.message_case()) {
        case rp::SubscribeResponse::kStarted: {
          started = true;
          ViewerLog::Subscription sub;
          sub.resumed_after = last;
          if (!message.started().resumed()) {
            // A snapshot replaces the client's state; events follow its sequence.
            sub.resync = last != 0;
            sub.resumed_after = message.started().snapshot().sequence();
            last = sub.resumed_after;
          }
          log.subscriptions.push_back(std::move(sub));
          break;
        }
        case rp::SubscribeResponse::kEvent:
          if (message.event().ephemeral() || log.subscriptions.empty()) break;
          log.subscriptions.back().events.emplace_back(message.event().sequence(),
                                                       message.event().event_id());
          last = message.event().sequence();
          break;
        case rp::SubscribeResponse::kResync: {
          ViewerLog::Subscription sub;
          sub.resync = true;
          sub.resumed_after = message.resync().snapshot().sequence();
          last = sub.resumed_after;
          log.subscriptions.push_back(std::move(sub));
          break;
        }
        default:
          break;
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      live_subscriptions.erase(
          std::find(live_subscriptions.begin(), live_subscriptions.end(), &ctx));
    }
    ctx.TryCancel();
    reader->Finish();
    if (viewers_stop.load()) break;
    if (started || !first) counts.resubscribes.fetch_add(1);
    first = false;
    absl::SleepFor(absl::Milliseconds(200));
  }
}

LoadDriver::LoadDriver(FaultWorld& world) : impl_(new Impl(world)) {
  impl_->viewers.resize(world.options().viewers);
}

LoadDriver::~LoadDriver() {
  Stop();
  impl_->viewers_stop = true;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    for (grpc::ClientContext* ctx : impl_->live_subscriptions) ctx->TryCancel();
  }
  for (auto& t : impl_->viewer_threads) t.join();
}

void LoadDriver::Start() {
  if (!impl_->buyers.empty()) return;
  impl_->buyers_stop = false;
  for (int i = 0; i < impl_->world.options().buyers; ++i) {
    impl_->buyers.emplace_back([this, i] { impl_->Buyer(i); });
  }
  if (impl_->viewer_threads.empty()) {
    for (int i = 0; i < impl_->world.options().viewers; ++i) {
      impl_->viewer_threads.emplace_back([this, i] { impl_->Viewer(i); });
    }
  }
  impl_->upkeep = std::thread([this] {
    while (!impl_->buyers_stop.load()) {
      impl_->world.KeepPublishing();
      absl::SleepFor(absl::Milliseconds(250));
    }
  });
}

void LoadDriver::Stop() {
  impl_->buyers_stop = true;
  for (auto& t : impl_->buyers) t.join();
  impl_->buyers.clear();
  if (impl_->upkeep.joinable()) impl_->upkeep.join();
  impl_->world.KeepPublishing();
}

bool LoadDriver::WaitForProgress(int64_t n, absl::Duration timeout) {
  const int64_t target = impl_->ok_ops.load() + n;
  return shopcast::testing::WaitUntil([&] { return impl_->ok_ops.load() >= target; }, timeout,
                                      absl::Milliseconds(50));
}

std::vector<AckedOrder> LoadDriver::orders() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->orders;
}

std::vector<ViewerLog> LoadDriver::viewers() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->viewers;
}

std::set<std::string> LoadDriver::unanswered_keys() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->unanswered;
}

// ---------------------------------------------------------------------------------------------
// Invariants

namespace {

int64_t Scalar(pqxx::work& tx, const std::string& sql) { return tx.exec1(sql)[0].as<int64_t>(); }

// One service's database, for one check pass (a fresh connection: it may have restarted).
struct Db {
  explicit Db(const std::string& dsn) : conn(dsn), tx(conn) {}
  pqxx::connection conn;
  pqxx::work tx;
};

bool HasTable(pqxx::work& tx, const std::string& table) {
  return tx.exec1("SELECT to_regclass(" + tx.quote(table) + ") IS NOT NULL")[0].as<bool>();
}

// One pass over every invariant, after waiting up to `settle` for the suite to come to rest;
// the violations, and how many assertions were evaluated in `checks`.
std::vector<std::string> CheckOnce(FaultWorld& world_, const LoadDriver& load_,
                                   absl::Duration settle, int64_t* checks) {
  std::vector<std::string> failures;
  Counts& counts = world_.counts();
  suite::Suite& suite = world_.suite();
  const std::string stream = world_.stream_id();
  auto check = [&](bool ok, const std::string& what) {
    ++*checks;
    if (!ok) failures.push_back(what);
  };
  const std::vector<std::string> outbox_services = {
      "product-inventory", "order", "video-ingest", "realtime-push", "user", "recording-lifecycle"};
  // Every destination is in the suite (recording-lifecycle included): no row is excepted.
  const std::string served = "true";

  // 1. Settle: sagas finished, outboxes drained, the room's sales caught up, viewers at the
  //    room's head.
  std::string unsettled;
  const bool settled = shopcast::testing::WaitUntil(
      [&] {
        try {
          {
            Db order(suite.DsnOf("order"));
            const int64_t open =
                Scalar(order.tx, "SELECT count(*) FROM orders WHERE step <> 'done'");
            if (open != 0) {
              unsettled = absl::StrCat(open, " orders not finished");
              return false;
            }
          }
          for (const std::string& service : outbox_services) {
            Db db(suite.DsnOf(service));
            if (!HasTable(db.tx, "outbox")) continue;
            const int64_t pending = Scalar(
                db.tx, "SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND " + served);
            if (pending != 0) {
              unsettled = absl::StrCat(service, ": ", pending, " outbox rows undelivered");
              return false;
            }
          }
          Db push(suite.DsnOf("realtime-push"));
          const int64_t head =
              Scalar(push.tx, "SELECT COALESCE(max(head_seq), 0) FROM rooms WHERE stream_id = " +
                                  push.tx.quote(stream));
          for (const ViewerLog& v : load_.viewers()) {
            int64_t last = 0;
            for (const auto& sub : v.subscriptions) {
              last =
                  sub.events.empty() ? std::max(last, sub.resumed_after) : sub.events.back().first;
            }
            if (last != head) {
              unsettled = absl::StrCat("a viewer is at sequence ", last, " of ", head);
              return false;
            }
          }
          return true;
        } catch (const std::exception& e) {
          unsettled = e.what();
          return false;
        }
      },
      settle, absl::Milliseconds(250));
  check(settled,
        "the suite did not settle within " + absl::FormatDuration(settle) + ": " + unsettled);

  try {
    Db inv(suite.DsnOf("product-inventory"));
    Db order(suite.DsnOf("order"));
    Db push(suite.DsnOf("realtime-push"));

    // 2. Stock, in product-inventory's database and through its API.
    auto pi_stub = pi::ProductInventoryService::NewStub(
        ClientChannel(suite.endpoints("product-inventory").grpc));
    pi::GetStockRequest stock_req;
    for (const std::string& id : world_.product_ids()) stock_req.add_product_ids(id);
    pi::GetStockResponse stock_res;
    grpc::Status s = WithRetries(counts, [&] {
      grpc::ClientContext ctx;
      Prepare(ctx, "");
      return pi_stub->GetStock(&ctx, stock_req, &stock_res);
    });
    check(s.ok(), "GetStock: " + s.error_message());
    std::map<std::string, pi::Stock> api_stock;
    for (const pi::Stock& st : stock_res.stocks()) api_stock[st.product_id()] = st;

    std::map<std::string, int64_t> sold_by_product;
    for (const std::string& id : world_.product_ids()) {
      const auto q = inv.tx.quote(id);
      const pqxx::row stock_row =
          inv.tx.exec1("SELECT total, held, sold FROM stock WHERE product_id = " + q);
      const int64_t total = stock_row[0].as<int64_t>(), held = stock_row[1].as<int64_t>(),
                    sold = stock_row[2].as<int64_t>();
      const int64_t available = total - held - sold;
      sold_by_product[id] = sold;
      check(available >= 0 && held >= 0 && sold >= 0,
            absl::StrCat(id, ": negative stock: available ", available, " held ", held, " sold ",
                         sold));
      const pi::Stock& st = api_stock[id];
      check(st.available() + st.held() + st.sold() == st.total(),
            absl::StrCat(id, ": GetStock available ", st.available(), " + held ", st.held(),
                         " + sold ", st.sold(), " != total ", st.total()));
      check(st.total() == total && st.held() == held && st.sold() == sold,
            absl::StrCat(id, ": GetStock disagrees with the database"));
      const int64_t live_holds =
          Scalar(inv.tx,
                 "SELECT COALESCE(sum(quantity), 0) FROM holds WHERE state = 'active' AND "
                 "product_id = " +
                     q);
      const int64_t committed =
          Scalar(inv.tx,
                 "SELECT COALESCE(sum(quantity), 0) FROM holds WHERE state = 'committed' AND "
                 "product_id = " +
                     q);
      check(held == live_holds,
            absl::StrCat(id, ": held ", held, " but the live holds add up to ", live_holds));
      check(sold == committed,
            absl::StrCat(id, ": sold ", sold, " but the committed holds add up to ", committed));
      // No sale lost or made twice across the two services.
      const int64_t ordered =
          Scalar(order.tx,
                 "SELECT COALESCE(sum(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = "
                 "l.order_id WHERE o.status IN (2, 3) AND l.product_id = " +
                     order.tx.quote(id));
      check(sold == ordered, absl::StrCat(id, ": product-inventory sold ", sold,
                                          " but order's confirmed orders hold ", ordered));
    }

    // 3. Money: what the provider captured is exactly what the paid orders total.
    const int64_t paid =
        Scalar(order.tx, "SELECT COALESCE(sum(total_minor), 0) FROM orders WHERE status IN (2, 3)");
    const int64_t captured =
        Scalar(order.tx,
               "SELECT COALESCE(sum(captured_minor - refunded_minor), 0) FROM provider_payments");
    const int64_t ledger_captured =
        Scalar(order.tx,
               "SELECT COALESCE(sum(amount_minor), 0) FROM provider_ledger_entries "
               "WHERE kind = 'capture'");
    check(captured == paid,
          absl::StrCat("charged ", captured, " but the paid orders total ", paid));
    check(ledger_captured == captured + Scalar(order.tx,
                                               "SELECT COALESCE(sum(refunded_minor), 0) FROM "
                                               "provider_payments"),
          absl::StrCat("the provider's ledger captured ", ledger_captured, ", its payments ",
                       captured));
    const int64_t failed_charged =
        Scalar(order.tx,
               "SELECT count(*) FROM orders o JOIN provider_payments p ON p.order_id = o.id "
               "WHERE o.status IN (4, 5) AND p.captured_minor > p.refunded_minor");
    check(failed_charged == 0, absl::StrCat(failed_charged, " failed orders were charged"));
    const int64_t dangling =
        Scalar(order.tx, "SELECT count(*) FROM provider_payments WHERE state = 'authorized'");
    check(dangling == 0, absl::StrCat(dangling, " authorizations neither captured nor voided"));

    // 4. Every order a client was told about exists, with the status it was told or later.
    auto order_stub = pb_order::OrderService::NewStub(ClientChannel(suite.endpoints("order").grpc));
    const std::vector<AckedOrder> acked = load_.orders();
    std::map<std::string, int> db_status;
    for (const auto& row : order.tx.exec("SELECT id, status FROM orders")) {
      db_status[row[0].as<std::string>()] = row[1].as<int>();
    }
    std::map<std::string, int> buyer_index;
    for (int i = 0; i < world_.options().buyers; ++i) buyer_index[world_.BuyerId(i)] = i;
    for (const AckedOrder& a : acked) {
      auto it = db_status.find(a.order_id);
      check(it != db_status.end(), "acknowledged order " + a.order_id + " is lost");
      if (it == db_status.end()) continue;
      if (a.status == pb_order::ORDER_STATUS_CONFIRMED) {
        check(it->second == pb_order::ORDER_STATUS_CONFIRMED,
              absl::StrCat("order ", a.order_id, " was confirmed to its buyer, now status ",
                           it->second));
      }
    }
    // Through the API as the buyer, a sample (the last few: those nearest a fault).
    for (size_t i = acked.size() > 10 ? acked.size() - 10 : 0; i < acked.size(); ++i) {
      const AckedOrder& a = acked[i];
      const std::string token = world_.BuyerToken(buyer_index.at(a.buyer_id));
      pb_order::GetOrderRequest req;
      req.set_order_id(a.order_id);
      pb_order::GetOrderResponse res;
      s = WithRetries(counts, [&] {
        grpc::ClientContext ctx;
        Prepare(ctx, token);
        return order_stub->GetOrder(&ctx, req, &res);
      });
      check(s.ok() && res.order().id() == a.order_id,
            "GetOrder " + a.order_id + ": " + s.error_message());
    }

    // 5. Events. The room's log: gap-free 1..head, each event id once.
    const int64_t head =
        Scalar(push.tx, "SELECT COALESCE(max(head_seq), 0) FROM rooms WHERE stream_id = " +
                            push.tx.quote(stream));
    const pqxx::row log_row = push.tx.exec1(
        "SELECT count(*), COALESCE(max(seq), 0), count(DISTINCT event_id) FROM room_events "
        "WHERE stream_id = " +
        push.tx.quote(stream));
    const int64_t count = log_row[0].as<int64_t>(), max_seq = log_row[1].as<int64_t>(),
                  ids = log_row[2].as<int64_t>();
    check(head > 0, "the room has no events");
    check(count == head && max_seq == head,
          absl::StrCat("the room's log has ", count, " events up to ", max_seq, ", head ", head));
    check(ids == count, absl::StrCat("the room's log repeats event ids: ", ids, " of ", count));
    // Its sales and stock, as a viewer would add them up.
    std::map<std::string, int64_t> ticker_units;
    std::map<std::string, rp::StockChanged> last_stock;
    for (const auto& row :
         push.tx.exec("SELECT event FROM room_events WHERE stream_id = " + push.tx.quote(stream) +
                      " AND kind IN (14, 15, 17, 23, 29) ORDER BY seq")) {
      const pqxx::binarystring bytes(row[0]);
      rp::RoomEvent event;
      if (!event.ParseFromString(bytes.str())) {
        check(false, "a room event does not parse");
        continue;
      }
      if (event.has_sale_ticker())
        ticker_units[event.sale_ticker().product_id()] += event.sale_ticker().quantity();
      if (event.has_sale_cancelled()) {
        ticker_units[event.sale_cancelled().product_id()] -= event.sale_cancelled().quantity();
      }
      if (event.has_product_created() || event.has_product_updated()) {
        const rp::ProductCard& card = event.has_product_created()
                                          ? event.product_created().product()
                                          : event.product_updated().product();
        auto& st = last_stock[card.product_id()];
        if (st.revision() == 0) {  // no StockChanged yet: the card is what viewers see
          st.set_available(card.available());
          st.set_total(card.total());
        }
      }
      if (event.has_stock_changed()) {
        auto& st = last_stock[event.stock_changed().product_id()];
        if (event.stock_changed().revision() >= st.revision()) st = event.stock_changed();
      }
    }
    for (const std::string& id : world_.product_ids()) {
      check(ticker_units[id] == sold_by_product[id],
            absl::StrCat(id, ": the room announced ", ticker_units[id], " units sold, sold ",
                         sold_by_product[id]));
      const pi::Stock& st = api_stock[id];
      const rp::StockChanged& shown = last_stock[id];
      // Without a StockChanged the card shows available and total only.
      const bool same = shown.revision() == 0
                            ? shown.available() == st.available() && shown.total() == st.total()
                            : shown.available() == st.available() && shown.held() == st.held() &&
                                  shown.sold() == st.sold() && shown.total() == st.total();
      check(same, absl::StrCat(id, ": the room shows stock rev ", shown.revision(), " (",
                               shown.available(), "/", shown.held(), "/", shown.sold(),
                               ") but it is rev ", st.revision(), " (", st.available(), "/",
                               st.held(), "/", st.sold(), ")"));
    }
    // realtime-push's sales (its consumer of order.sale_recorded): each paid order line once.
    const int64_t sale_rows = Scalar(
        push.tx, "SELECT count(*) FROM room_sales WHERE cancelled_at IS NULL AND stream_id = " +
                     push.tx.quote(stream));
    const int64_t sale_lines =
        Scalar(order.tx,
               "SELECT count(*) FROM order_lines l JOIN orders o ON o.id = l.order_id "
               "WHERE o.status IN (2, 3) AND l.stream_id = " +
                   order.tx.quote(stream));
    check(sale_rows == sale_lines,
          absl::StrCat("realtime-push counts ", sale_rows, " sales, order ", sale_lines));
    const int64_t sale_dupes =
        Scalar(push.tx,
               "SELECT count(*) FROM (SELECT order_id, product_id FROM room_sales GROUP BY "
               "order_id, product_id HAVING count(*) > 1) d");
    check(sale_dupes == 0, absl::StrCat(sale_dupes, " sales applied twice in realtime-push"));

    // Viewers: each subscription continues exactly where it asked (or its snapshot) without a
    // gap, and no event reaches a viewer twice.
    int v_index = 0;
    for (const ViewerLog& v : load_.viewers()) {
      std::set<std::string> seen;
      int64_t delivered = 0;
      for (const auto& sub : v.subscriptions) {
        int64_t expect = sub.resumed_after + 1;
        for (const auto& [seq, id] : sub.events) {
          ++delivered;
          if (seq != expect) {
            check(false,
                  absl::StrCat("viewer ", v_index, " got sequence ", seq, " after ", expect - 1));
            break;
          }
          ++expect;
          if (!seen.insert(id).second) {
            check(false, absl::StrCat("viewer ", v_index, " got event ", id, " twice"));
          }
        }
      }
      check(!v.subscriptions.empty(), absl::StrCat("viewer ", v_index, " never subscribed"));
      *checks += delivered;
      ++v_index;
    }

    // Outboxes delivered (also part of settling; here as a result).
    for (const std::string& service : outbox_services) {
      Db db(suite.DsnOf(service));
      if (!HasTable(db.tx, "outbox")) continue;
      std::string pending;
      for (const auto& row : db.tx.exec(
               "SELECT destination, type, count(*), max(attempts), max(last_error) FROM outbox "
               "WHERE delivered_at IS NULL AND " +
               served +
               " GROUP BY destination, type "
               "ORDER BY 1, 2")) {
        absl::StrAppend(&pending, "\n    ", row[2].as<int64_t>(), " ", row[1].c_str(), " to ",
                        row[0].c_str(), " (attempts up to ", row[3].as<int64_t>(), "; ",
                        row[4].is_null() ? "" : row[4].c_str(), ")");
      }
      check(pending.empty(), absl::StrCat(service, ": events never delivered:", pending));
    }

    // 6. Recordings: no recording object lost. Every segment video-ingest announced to
    //    recording-lifecycle (segment_closed, delivered: the undelivered ones are reported
    //    above) is in the stream's recording with the announced key and SHA-256, and its
    //    object exists in the tier the recording says, with that SHA-256.
    {
      Db vi_db(suite.DsnOf("video-ingest"));
      Db rl(suite.DsnOf("recording-lifecycle"));
      struct Indexed {
        std::string sha256, object_key;
        int tier;
      };
      std::map<std::pair<std::string, int64_t>, Indexed> indexed;
      for (const auto& row :
           rl.tx.exec("SELECT r.stream_id, s.sequence, s.sha256, s.object_key, s.tier "
                      "FROM segments s JOIN recordings r ON r.id = s.recording_id")) {
        indexed[{row[0].as<std::string>(), row[1].as<int64_t>()}] =
            Indexed{row[2].as<std::string>(), row[3].as<std::string>(), row[4].as<int>()};
      }
      std::vector<std::string> paths, expected_sha;
      int64_t announced = 0;
      for (const auto& row : vi_db.tx.exec(
               "SELECT event_id, payload FROM outbox WHERE destination = 'recording_lifecycle' "
               "AND type = 'video_ingest.segment_closed' AND delivered_at IS NOT NULL "
               "ORDER BY id")) {
        ++announced;
        const std::string event_id = row[0].as<std::string>();
        const pqxx::binarystring bytes(row[1]);
        ::shopcast::common::v1::Event event;
        vi::SegmentClosed seg;
        if (!event.ParseFromString(bytes.str()) || !event.payload().UnpackTo(&seg)) {
          check(false,
                absl::StrCat("video-ingest's outbox row ", event_id, " is not a SegmentClosed"));
          continue;
        }
        const std::string what = absl::StrCat("segment ", seg.sequence(), " of ", seg.stream_id(),
                                              " (", seg.path(), ")");
        auto it = indexed.find({seg.stream_id(), seg.sequence()});
        if (it == indexed.end()) {
          check(false,
                what + ": announced and delivered, but not in recording-lifecycle's recording");
          continue;
        }
        check(it->second.sha256 == seg.sha256() && it->second.object_key == seg.path(),
              absl::StrCat(what, ": recording-lifecycle has ", it->second.object_key, " sha256 ",
                           it->second.sha256, ", announced sha256 ", seg.sha256()));
        switch (it->second.tier) {
          case 1:  // HOT: video-ingest's segment root.
            paths.push_back(suite.File("hot") + "/" + it->second.object_key);
            break;
          case 2:  // WARM
            paths.push_back(suite.File("warm") + "/" + it->second.object_key);
            break;
          case 3:  // COLD: in the S3 store; its copy was checked by the mover when it moved.
            ++*checks;
            continue;
          default:
            check(false, absl::StrCat(what, ": recording-lifecycle says tier ", it->second.tier,
                                      " (expired) during the show"));
            continue;
        }
        expected_sha.push_back(seg.sha256());
      }
      // Hashed in one sha256sum run: "<hex>  <path>" per file, in argument order.
      std::vector<std::string> present, present_sha;
      for (size_t i = 0; i < paths.size(); ++i) {
        if (std::filesystem::exists(paths[i])) {
          present.push_back(paths[i]);
          present_sha.push_back(expected_sha[i]);
        } else {
          check(false, "recording object lost: " + paths[i] + " is not in its tier");
        }
      }
      if (!present.empty()) {
        std::vector<std::string> argv = {"sha256sum", "--"};
        argv.insert(argv.end(), present.begin(), present.end());
        const std::vector<std::string> lines =
            absl::StrSplit(::shopcast::video_ingest::e2e::RunTool(argv), '\n', absl::SkipEmpty());
        check(lines.size() == present.size(),
              absl::StrCat("sha256sum answered ", lines.size(), " lines for ", present.size(),
                           " files"));
        for (size_t i = 0; i < lines.size() && i < present.size(); ++i) {
          check(lines[i].substr(0, 64) == present_sha[i],
                absl::StrCat("recording object ", present[i], " has sha256 ",
                             lines[i].substr(0, 64), ", announced ", present_sha[i]));
        }
      }
      check(announced > 0, "video-ingest announced no segment to recording-lifecycle");
    }
  } catch (const std::exception& e) {
    check(false, std::string("invariants could not be read: ") + e.what());
  }
  return failures;
}

}  // namespace

Invariants::Invariants(FaultWorld& world, const LoadDriver& load) : world_(world), load_(load) {}

std::vector<std::string> Invariants::Check(absl::Duration settle) {
  // What settles eventually (the room's coalesced stock, a relay's next round) is given until
  // the deadline; a violation that lasts until then is reported.
  const absl::Time deadline = absl::Now() + settle;
  std::vector<std::string> failures;
  int64_t checks = 0;
  while (true) {
    checks = 0;
    failures =
        CheckOnce(world_, load_, std::max(deadline - absl::Now(), absl::Seconds(1)), &checks);
    if (failures.empty() || absl::Now() >= deadline) break;
    absl::SleepFor(absl::Milliseconds(500));
  }
  world_.counts().invariant_checks.fetch_add(checks);
  return failures;
}

}  // namespace shopcast::faults
