// Horizontal scale on one machine (issue 14 §1): two replicas of every stateless service behind
// the suite's own routing — each peer dials all replicas of a service as one gRPC target with
// round_robin, as a headless Service's dns:/// name on Kubernetes — and clients spread over both
// gateways. Buyers reserve and order the same two products (one scarce, sold out across both
// product-inventory replicas) while viewers follow the show's room over the gateways'
// WebSocket; mid-run one replica of each stateless service is SIGKILLed in turn. The run goes
// on: every order PlaceOrder acknowledged exists exactly once, stock keeps
// available + held + sold == total and is never oversold (sampled throughout, and sold equals
// the confirmed orders' units), every room event reaches every viewer once and in order
// (viewers whose gateway died resume on the other), and clients saw only retryable answers
// (no answer, 502/503/504) on the way, each call succeeding when repeated.

#include <catch2/catch.hpp>
#include <chrono>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "catalog.h"
#include "grpcpp/grpcpp.h"
#include "scale_clients.h"
#include "shopcast/order/v1/order.grpc.pb.h"
#include "shopcast/product_inventory/v1/product_inventory.grpc.pb.h"
#include "shopcast/realtime_push/v1/realtime_push.grpc.pb.h"
#include "shopcast/testing/net.h"
#include "shopcast/testing/wait.h"
#include "shopcast/video_ingest/v1/video_ingest.grpc.pb.h"
#include "suite.h"

namespace shopcast::scale {
namespace {

namespace pi = ::shopcast::product_inventory::v1;
namespace ord = ::shopcast::order::v1;
namespace rp = ::shopcast::realtime_push::v1;
namespace vi = ::shopcast::video_ingest::v1;
using suite::Suite;

constexpr int kBuyers = 6;
constexpr int kViewers = 6;
constexpr int64_t kScarceUnits = 40;
constexpr int64_t kPlentyUnits = 100000;
// After each kill, before the next: orders acknowledged (the run went on without that replica)
// and time (load on the survivors, the room's events flowing).
constexpr int kProgressAfterKill = 10;
constexpr absl::Duration kBetweenKills = absl::Milliseconds(2500);

std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(15));
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

// Setup calls (not what is under test) repeated until they answer.
template <typename Stub, typename Req, typename Res>
grpc::Status Retry(Stub& stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Res*),
                   const std::string& token, const Req& req, Res* res,
                   absl::Duration patience = absl::Seconds(30)) {
  const absl::Time give_up = absl::Now() + patience;
  for (;;) {
    grpc::Status s = (stub.*method)(Ctx(token).get(), req, res);
    // Not yet (a peer starting, an event still in an outbox) or no answer: again.
    const bool again = s.error_code() == grpc::StatusCode::UNAVAILABLE ||
                       s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
                       s.error_code() == grpc::StatusCode::NOT_FOUND ||
                       s.error_code() == grpc::StatusCode::FAILED_PRECONDITION ||
                       s.error_code() == grpc::StatusCode::PERMISSION_DENIED;
    if (s.ok() || !again || absl::Now() > give_up) return s;
    absl::SleepFor(absl::Milliseconds(200));
  }
}

struct Show {
  std::string stream_id;
  std::string scarce, plenty;
};

// The host's show: a stream (video-ingest tells product-inventory and realtime-push, whose room
// opens), and two products of it.
Show OpenShow(Suite& suite, const std::string& admin, const std::string& host) {
  Show show;
  auto ingest = vi::VideoIngestService::NewStub(suite.PeerChannel("video-ingest"));
  vi::CreateStreamRequest create;
  create.set_title("Scale show");
  create.set_idempotency_key("scale-show");
  vi::CreateStreamResponse created;
  grpc::Status s = ingest->CreateStream(Ctx(host).get(), create, &created);
  REQUIRE(s.ok());
  show.stream_id = created.stream().id();

  using Stub = pi::ProductInventoryService::Stub;
  auto inventory = pi::ProductInventoryService::NewStub(suite.PeerChannel("product-inventory"));
  const pi::CreateProductTypeRequest type_req = suite::MugTypeRequest({"L"});
  pi::CreateProductTypeResponse type;
  s = Retry(*inventory, &Stub::CreateProductType, admin, type_req, &type);
  INFO(s.error_message());
  REQUIRE(s.ok());
  const pi::CreateShippingProfileRequest profile_req = suite::StandardShippingRequest();
  pi::CreateShippingProfileResponse profile;
  s = Retry(*inventory, &Stub::CreateShippingProfile, host, profile_req, &profile);
  INFO(s.error_message());
  REQUIRE(s.ok());
  auto make_product = [&](const std::string& title, const std::string& key, int64_t units) {
    pi::CreateProductRequest req;
    pi::Product* product = req.mutable_product();
    product->set_product_type_id(type.product_type().id());
    product->set_title(title);
    (*product->mutable_parameters())["size"].set_choice_value("L");
    product->set_sale_mode(pi::SALE_MODE_FIXED_PRICE);
    product->mutable_price()->set_amount_minor(1500);
    product->mutable_price()->set_currency("USD");
    product->set_shipping_profile_id(profile.shipping_profile().id());
    product->set_stream_id(show.stream_id);
    req.set_initial_stock(units);
    req.set_idempotency_key(key);
    pi::CreateProductResponse res;
    // Until video-ingest's stream_created reached product-inventory (its outbox): before, the
    // stream is unknown there.
    grpc::Status st;
    const absl::Time give_up = absl::Now() + absl::Seconds(30);
    do {
      st = Retry(*inventory, &Stub::CreateProduct, host, req, &res);
      if (st.ok() || st.error_message().find("no such stream") == std::string::npos) break;
      absl::SleepFor(absl::Milliseconds(200));
    } while (absl::Now() < give_up);
    INFO(st.error_message());
    REQUIRE(st.ok());
    return res.product().id();
  };
  show.scarce = make_product("Scarce mug", "scarce-mug", kScarceUnits);
  show.plenty = make_product("Plenty mug", "plenty-mug", kPlentyUnits);
  return show;
}

// The room's head as realtime-push has it.
int64_t RoomHead(Suite& suite, const std::string& stream_id) {
  auto push = rp::RealtimePushService::NewStub(suite.PeerChannel("realtime-push"));
  for (int attempt = 0; attempt < 50; ++attempt) {
    rp::SubscribeRequest request;
    request.set_stream_id(stream_id);
    auto ctx = Ctx("");
    auto reader = push->Subscribe(ctx.get(), request);
    rp::SubscribeResponse first;
    const bool got = reader->Read(&first);
    ctx->TryCancel();
    reader->Finish();
    if (got && first.has_started()) return first.started().head_sequence();
    absl::SleepFor(absl::Milliseconds(100));
  }
  return -1;
}

// Stock of both products, checked every 100 ms while the run goes on.
class StockWatch {
 public:
  StockWatch(std::shared_ptr<grpc::Channel> channel, std::string token,
             std::map<std::string, int64_t> totals)
      : stub_(pi::ProductInventoryService::NewStub(std::move(channel))),
        token_(std::move(token)),
        totals_(std::move(totals)) {
    thread_ = std::thread([this] {
      while (!stop_) {
        Sample();
        absl::SleepFor(absl::Milliseconds(100));
      }
    });
  }
  ~StockWatch() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // One sample; false when the call failed (during a kill: skipped).
  bool Sample() {
    pi::GetStockRequest req;
    for (const auto& [id, total] : totals_) req.add_product_ids(id);
    pi::GetStockResponse res;
    if (!stub_->GetStock(Ctx(token_).get(), req, &res).ok()) return false;
    std::lock_guard lock(mu_);
    ++samples_;
    for (const pi::Stock& st : res.stocks()) {
      const int64_t total = totals_.at(st.product_id());
      if (st.total() != total || st.available() + st.held() + st.sold() != st.total() ||
          st.available() < 0 || st.held() < 0 || st.sold() < 0 || st.sold() > total) {
        violations_.push_back(st.ShortDebugString());
      }
      last_[st.product_id()] = st;
    }
    return true;
  }
  std::vector<std::string> violations() const {
    std::lock_guard lock(mu_);
    return violations_;
  }
  int samples() const {
    std::lock_guard lock(mu_);
    return samples_;
  }
  pi::Stock last(const std::string& id) const {
    std::lock_guard lock(mu_);
    return last_.at(id);
  }

 private:
  std::unique_ptr<pi::ProductInventoryService::Stub> stub_;
  std::string token_;
  std::map<std::string, int64_t> totals_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<std::string> violations_;
  std::map<std::string, pi::Stock> last_;
  int samples_ = 0;
};

// Calls a replica answered (every method but the health checks), from its metrics.
double HandledCalls(int metrics_port) {
  const std::string text = shopcast::testing::HttpGet(metrics_port, "/metrics").body;
  double sum = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::StartsWith(line, "grpc_server_handled_total{") ||
        absl::StrContains(line, "grpc.health")) {
      continue;
    }
    double v = 0;
    if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &v)) sum += v;
  }
  return sum;
}

bool Final(ord::OrderStatus s) {
  return s == ord::ORDER_STATUS_CONFIRMED || s == ord::ORDER_STATUS_FAILED;
}

TEST_CASE("two replicas of every stateless service lose nothing when one of each is SIGKILLed",
          "[e2e][scale]") {
  const absl::Time began = absl::Now();
  suite::SuiteOptions options;
  options.replicas = 2;
  options.extra_env = {
      // The buyers are few and fast: the per-user limits are not what this run measures.
      "SHOPCAST_GATEWAY_RATE_LIMITS=reserve=100000/100000,checkout=100000/100000,"
      "other_write=100000/100000",
      // A checkout whose order replica died resumes on the other within seconds.
      "SHOPCAST_ORDER_SAGA_LEASE=3s"};
  Suite suite(options);
  const absl::Time started = absl::Now();
  for (const char* s : {"gateway", "user", "product-inventory", "order", "realtime-push"}) {
    REQUIRE(suite.replicas(s) == 2);
  }
  REQUIRE(suite.replicas("video-ingest") == 1);

  const std::string admin = suite.Login(suite.CreateAccount("scale_admin", auth::Role::kAdmin));
  const std::string host = suite.Login(suite.CreateAccount("scale_host", auth::Role::kHost));
  std::vector<std::string> buyer_tokens;
  std::vector<std::string> buyer_ids;
  for (int b = 0; b < kBuyers; ++b) {
    const suite::Account a =
        suite.CreateAccount(absl::StrCat("scale_buyer", b), auth::Role::kViewer);
    buyer_ids.push_back(a.id);
    buyer_tokens.push_back(suite.Login(a));
  }
  const Show show = OpenShow(suite, admin, host);

  std::vector<int> gateway_ports;
  for (int g = 0; g < suite.replicas("gateway"); ++g) {
    gateway_ports.push_back(suite.endpoints("gateway", g).http);
  }
  // The room exists once video-ingest's stream_created reached realtime-push (an outbox away).
  REQUIRE(shopcast::testing::WaitUntil([&] { return RoomHead(suite, show.stream_id) >= 0; },
                                       absl::Seconds(60)));
  Viewers viewers(gateway_ports, show.stream_id, kViewers);
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        for (int64_t last : viewers.last_sequences()) {
          if (last < 0) return false;
        }
        return true;
      },
      absl::Seconds(60)));

  StockWatch stock(suite.PeerChannel("product-inventory"), host,
                   {{show.scarce, kScarceUnits}, {show.plenty, kPlentyUnits}});
  BuyerOptions buyer_options;
  buyer_options.gateway_ports = gateway_ports;
  buyer_options.tokens = buyer_tokens;
  buyer_options.scarce_product = show.scarce;
  buyer_options.plenty_product = show.plenty;
  Buyers buyers(buyer_options);
  buyers.Start();
  REQUIRE(shopcast::testing::WaitUntil([&] { return buyers.acknowledged_count() >= 10; },
                                       absl::Seconds(30)));
  // round_robin spreads every peer's calls: both replicas of each service answered some.
  for (const char* service : {"user", "product-inventory", "order", "realtime-push"}) {
    INFO(service);
    CHECK(shopcast::testing::WaitUntil(
        [&] {
          return HandledCalls(suite.endpoints(service, 0).metrics) > 0 &&
                 HandledCalls(suite.endpoints(service, 1).metrics) > 0;
        },
        absl::Seconds(10)));
  }

  // A repeated PlaceOrder (same key and request) is the same order on either order replica.
  for (const Checkout& c : buyers.acknowledged()) {
    if (c.buyer != 0) continue;
    for (int replica = 0; replica < 2; ++replica) {
      auto stub = ord::OrderService::NewStub(
          shopcast::testing::LocalChannel(suite.endpoints("order", replica).grpc));
      ord::PlaceOrderRequest req;
      req.set_reservation_id(c.reservation_id);
      req.set_idempotency_key(c.order_key);
      ord::ShippingAddress* a = req.mutable_shipping_address();
      a->set_recipient_name("Ada Lovelace");
      a->set_line1("12 Analytical Row");
      a->set_city("London");
      a->set_postal_code("N1 9GU");
      a->set_country_code("GB");
      a->set_phone("+442071234567");
      req.mutable_payment_method()->mutable_placeholder()->set_token("pm_test_approve");
      ord::PlaceOrderResponse res;
      const grpc::Status st = stub->PlaceOrder(Ctx(buyer_tokens[0]).get(), req, &res);
      INFO("replica " << replica << ": " << st.error_message());
      REQUIRE(st.ok());
      CHECK(res.order().id() == c.order_id);
    }
  }

  // One replica of each stateless service, in turn; the run must go on after each.
  std::vector<std::pair<std::string, int>> kills = {
      {"gateway", 0}, {"user", 1}, {"product-inventory", 0}, {"order", 1}, {"realtime-push", 0}};
  try {
    if (suite.replicas("recording-lifecycle") == 2) kills.emplace_back("recording-lifecycle", 1);
  } catch (const std::runtime_error&) {
    // Not in this suite yet.
  }
  for (const auto& [service, replica] : kills) {
    const int before = buyers.acknowledged_count();
    const int64_t events_before = viewers.events();
    const absl::Time killed_at = absl::Now();
    suite.KillReplica(service, replica);
    REQUIRE_FALSE(suite.ReplicaRunning(service, replica));
    INFO("after SIGKILL of " << service << " #" << replica);
    REQUIRE(shopcast::testing::WaitUntil(
        [&] {
          return buyers.acknowledged_count() >= before + kProgressAfterKill &&
                 viewers.events() > events_before && absl::Now() - killed_at >= kBetweenKills;
        },
        absl::Seconds(40)));
  }
  buyers.Stop();
  const absl::Time bought = absl::Now();

  // ---- every call got its answer; only retryable ones on the way ----
  const std::vector<std::string> errors = buyers.errors();
  INFO(absl::StrJoin(errors, "\n"));
  CHECK(errors.empty());
  std::string retried;
  for (const auto& [http, n] : buyers.retried()) absl::StrAppend(&retried, " ", http, "×", n);
  std::string refused;
  for (const auto& [reason, n] : buyers.refusals()) absl::StrAppend(&refused, " ", reason, "×", n);

  // ---- every acknowledged order exists exactly once, and finishes ----
  std::vector<Checkout> acked = buyers.acknowledged();
  auto orders = ord::OrderService::NewStub(suite.PeerChannel("order"));
  std::map<std::string, int64_t> confirmed_units;  // by product
  int confirmed = 0, failed = 0;
  for (int b = 0; b < kBuyers; ++b) {
    std::map<std::string, const Checkout*> mine;
    for (const Checkout& c : acked) {
      if (c.buyer != b) continue;
      CHECK(mine.emplace(c.order_id, &c).second);  // one order per checkout
    }
    // Checkouts the crash left unfinished are finished by the other replica's recovery.
    std::map<std::string, ord::Order> listed;
    REQUIRE(shopcast::testing::WaitUntil(
        [&] {
          listed.clear();
          std::string page_token;
          do {
            ord::ListOrdersRequest req;
            req.set_role(ord::ORDER_ROLE_BUYER);
            req.mutable_page()->set_page_size(100);
            req.mutable_page()->set_page_token(page_token);
            ord::ListOrdersResponse res;
            if (!orders->ListOrders(Ctx(buyer_tokens[static_cast<size_t>(b)]).get(), req, &res)
                     .ok()) {
              return false;
            }
            for (const ord::Order& o : res.orders()) {
              if (!listed.emplace(o.id(), o).second) return false;  // listed twice
            }
            page_token = res.page().next_page_token();
          } while (!page_token.empty());
          for (const auto& [id, o] : listed) {
            if (!Final(o.status())) return false;
          }
          return true;
        },
        absl::Seconds(30)));
    // Exactly the acknowledged orders: none lost, none made twice by a repeated PlaceOrder.
    std::set<std::string> want, have;
    for (const auto& [id, c] : mine) want.insert(id);
    for (const auto& [id, o] : listed) have.insert(id);
    INFO("buyer " << b);
    CHECK(have == want);
    for (const auto& [id, o] : listed) {
      auto it = mine.find(id);
      if (it == mine.end()) continue;
      REQUIRE(o.lines_size() == 1);
      CHECK(o.lines(0).reservation_id() == it->second->reservation_id);
      CHECK(o.lines(0).quantity() == it->second->quantity);
      if (o.status() == ord::ORDER_STATUS_CONFIRMED) {
        ++confirmed;
        confirmed_units[o.lines(0).product_id()] += o.lines(0).quantity();
      } else {
        ++failed;
      }
    }
  }

  // ---- stock: never oversold, and what is sold is what was confirmed ----
  stock.Stop();
  REQUIRE(shopcast::testing::WaitUntil([&] { return stock.Sample(); }, absl::Seconds(5)));
  const std::vector<std::string> violations = stock.violations();
  INFO(absl::StrJoin(violations, "\n"));
  CHECK(violations.empty());
  CHECK(stock.samples() > 20);
  for (const std::string& id : {show.scarce, show.plenty}) {
    const pi::Stock st = stock.last(id);
    INFO(st.ShortDebugString());
    CHECK(st.available() + st.held() + st.sold() == st.total());
    CHECK(st.sold() == confirmed_units[id]);
  }
  CHECK(stock.last(show.scarce).sold() <= kScarceUnits);

  // ---- every room event reached every viewer, once and in order ----
  int64_t head = -1;
  const bool caught_up = shopcast::testing::WaitUntil(
      [&] {
        head = RoomHead(suite, show.stream_id);
        for (int64_t last : viewers.last_sequences()) {
          if (last != head) return false;
        }
        return head > 0;
      },
      absl::Seconds(30));
  INFO("room head " << head << ", viewers at " << absl::StrJoin(viewers.last_sequences(), ","));
  CHECK(caught_up);
  viewers.Stop();
  const std::vector<std::string> problems = viewers.problems();
  INFO(absl::StrJoin(problems, "\n"));
  CHECK(problems.empty());
  // The viewers that started on the killed gateway resumed on the other.
  const std::vector<int> reconnects = viewers.reconnects();
  const std::vector<std::vector<int>> used = viewers.ports_used();
  for (int v = 0; v < kViewers; v += 2) {
    INFO("viewer " << v);
    CHECK(reconnects[static_cast<size_t>(v)] >= 1);
    CHECK(used[static_cast<size_t>(v)].back() == gateway_ports[1]);
  }

  WARN(absl::StrCat("scale run: suite up in ", absl::FormatDuration(started - began), ", buying ",
                    absl::FormatDuration(bought - started), "; ", acked.size(),
                    " orders acknowledged (", confirmed, " confirmed, ", failed,
                    " failed), scarce sold ", stock.last(show.scarce).sold(), "/", kScarceUnits,
                    "; refused:", refused, "; retried (http×n):", retried, "; room head ", head,
                    ", ", viewers.events(), " events delivered to ", kViewers,
                    " viewers, reconnects ", absl::StrJoin(reconnects, ","),
                    "; killed:", absl::StrJoin(kills, "", [](std::string* out, const auto& k) {
                      absl::StrAppend(out, " ", k.first, "#", k.second);
                    })));
}

}  // namespace
}  // namespace shopcast::scale
