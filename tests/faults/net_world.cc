#include "net_world.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <pqxx/pqxx>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "catalog.h"
#include "google/protobuf/field_mask.pb.h"
#include "shopcast/ids/ids.h"
#include "shopcast/testing/net.h"
#include "shopcast/testing/wait.h"
#include "shopcast/video_ingest/v1/video_ingest.grpc.pb.h"

namespace shopcast::faults {
namespace {

namespace pi = ::shopcast::product_inventory::v1;
namespace op = ::shopcast::order::v1;
namespace rp = ::shopcast::realtime_push::v1;
namespace vi = ::shopcast::video_ingest::v1;

op::PlaceOrderRequest OrderRequest(const std::string& reservation_id, const std::string& key) {
  op::PlaceOrderRequest r;
  r.set_reservation_id(reservation_id);
  r.set_idempotency_key(key);
  op::ShippingAddress* a = r.mutable_shipping_address();
  a->set_recipient_name("Ada Lovelace");
  a->set_line1("12 Analytical Row");
  a->set_city("London");
  a->set_postal_code("N1 9GU");
  a->set_country_code("GB");
  a->set_phone("+442071234567");
  r.mutable_payment_method()->mutable_placeholder()->set_token("pm_test_approve");
  return r;
}

int64_t Scalar(const std::string& dsn, const std::string& sql) {
  pqxx::connection c(dsn);
  pqxx::nontransaction tx(c);
  return tx.exec1(sql)[0].as<int64_t>();
}

}  // namespace

bool LongRun() {
  const char* v = std::getenv("SHOPCAST_FAULTS_LONG");
  return v != nullptr && std::string(v) == "1";
}

std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token, absl::Duration deadline) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

bool Retryable(const grpc::Status& s) {
  return s.error_code() == grpc::StatusCode::UNAVAILABLE ||
         s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
         s.error_code() == grpc::StatusCode::ABORTED;
}

double Metric(int metrics_port, const std::string& name, const std::string& labels) {
  shopcast::testing::HttpResponse r;
  try {
    r = shopcast::testing::HttpGet(metrics_port, "/metrics");
  } catch (const std::exception&) {
    return -1;
  }
  std::istringstream in(r.body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || !absl::StartsWith(line, name)) continue;
    const char next = line.size() > name.size() ? line[name.size()] : ' ';
    if (next != '{' && next != ' ') continue;
    if (!labels.empty() && !absl::StrContains(line, labels)) continue;
    double v = 0;
    if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &v)) return v;
  }
  return -1;
}

Show::Show(suite::Suite& suite, int buyers, int products, int units) : suite_(suite) {
  admin_token_ = suite_.Login(suite_.CreateAccount("fault_admin", auth::Role::kAdmin));
  const suite::Account host = suite_.CreateAccount("fault_host", auth::Role::kHost);
  host_token_ = suite_.Login(host);
  for (int i = 0; i < buyers; ++i) {
    const suite::Account a =
        suite_.CreateAccount(absl::StrCat("fault_buyer", i), auth::Role::kViewer);
    buyers_.push_back({a.id, suite_.Login(a)});
  }
  pi_ = pi::ProductInventoryService::NewStub(
      shopcast::testing::LocalChannel(suite_.endpoints("product-inventory").grpc));
  order_ =
      op::OrderService::NewStub(shopcast::testing::LocalChannel(suite_.endpoints("order").grpc));

  // The show goes live: a stream, an encoder on it, its room open and LIVE.
  auto ingest = vi::VideoIngestService::NewStub(
      shopcast::testing::LocalChannel(suite_.endpoints("video-ingest").grpc));
  vi::CreateStreamRequest create;
  create.set_title("Fault show");
  create.set_idempotency_key(ids::NewId("key"));
  vi::CreateStreamResponse created;
  grpc::Status s = ingest->CreateStream(Ctx(host_token_).get(), create, &created);
  if (!s.ok()) throw std::runtime_error("CreateStream: " + s.error_message());
  stream_id_ = created.stream().id();
  encoder_ = std::make_unique<video_ingest::e2e::Publisher>(
      video_ingest::e2e::Publisher::Kind::kFfmpegRtmp,
      suite_.RtmpUrl(created.endpoints().stream_key()), 900, suite_.File("ffmpeg.log"));
  auto push = rp::RealtimePushService::NewStub(
      shopcast::testing::LocalChannel(suite_.endpoints("realtime-push").grpc));
  auto room_live = [&] {
    rp::SubscribeRequest request;
    request.set_stream_id(stream_id_);
    auto ctx = Ctx("", absl::Seconds(10));
    auto reader = push->Subscribe(ctx.get(), request);
    rp::SubscribeResponse first;
    const bool got = reader->Read(&first);
    ctx->TryCancel();
    reader->Finish();
    return got &&
           first.started().snapshot().stream_status().status() == common::v1::STREAM_STATUS_LIVE;
  };
  if (!shopcast::testing::WaitUntil(room_live, absl::Seconds(60))) {
    throw std::runtime_error("the show's room did not go live");
  }

  const pi::CreateProductTypeRequest type_req = suite::MugTypeRequest();
  pi::CreateProductTypeResponse type;
  s = pi_->CreateProductType(Ctx(admin_token_).get(), type_req, &type);
  if (!s.ok()) throw std::runtime_error("CreateProductType: " + s.error_message());
  const pi::CreateShippingProfileRequest profile_req = suite::StandardShippingRequest();
  pi::CreateShippingProfileResponse profile;
  s = pi_->CreateShippingProfile(Ctx(host_token_).get(), profile_req, &profile);
  if (!s.ok()) throw std::runtime_error("CreateShippingProfile: " + s.error_message());
  for (int i = 0; i < products; ++i) {
    pi::CreateProductRequest req;
    pi::Product* product = req.mutable_product();
    product->set_product_type_id(type.product_type().id());
    product->set_stream_id(stream_id_);
    product->set_title(absl::StrCat("Enamel mug ", i));
    product->set_sale_mode(pi::SALE_MODE_FIXED_PRICE);
    product->mutable_price()->set_amount_minor(1500);
    product->mutable_price()->set_currency("USD");
    product->set_shipping_profile_id(profile.shipping_profile().id());
    req.set_initial_stock(units);
    req.set_idempotency_key(absl::StrCat("mug", i));
    pi::CreateProductResponse res;
    // product-inventory learns the stream from video-ingest's events, a moment after it exists.
    const bool made = shopcast::testing::WaitUntil(
        [&] {
          s = pi_->CreateProduct(Ctx(host_token_).get(), req, &res);
          return s.ok() || s.error_code() != grpc::StatusCode::NOT_FOUND;
        },
        absl::Seconds(30));
    if (!made || !s.ok()) throw std::runtime_error("CreateProduct: " + s.error_message());
    products_.push_back(res.product().id());
  }
  watcher_ = std::thread([this] { WatchRoom(); });
}

Show::~Show() {
  StopBuying();
  watching_ = false;
  {
    absl::MutexLock lock(&mu_);
    if (watch_ctx_) watch_ctx_->TryCancel();
  }
  watcher_.join();
  if (encoder_) encoder_->Kill();
}

void Show::StartBuying(int threads) {
  buying_ = true;
  for (int i = 0; i < threads; ++i) buy_threads_.emplace_back([this, i] { BuyLoop(i); });
}

void Show::StopBuying() {
  buying_ = false;
  for (std::thread& t : buy_threads_) t.join();
  buy_threads_.clear();
}

void Show::Note(const grpc::Status& s, absl::Duration took) {
  absl::MutexLock lock(&mu_);
  if (took > slowest_) slowest_ = took;
  if (s.ok()) return;
  if (error_samples_.size() < 8) {
    error_samples_.push_back(absl::StrCat(s.error_code(), " ", s.error_message()));
  }
}

void Show::BuyLoop(int thread_index) {
  int n = 0;
  while (buying_.load()) {
    const Buyer& buyer = buyers_[(thread_index + n) % buyers_.size()];
    const std::string& product = products_[(thread_index + n) % products_.size()];
    ++n;
    const std::string key = ids::NewId("key");
    // Reserve, retried with its key until definite (a buyer's app does the same).
    pi::ReserveRequest reserve;
    reserve.set_product_id(product);
    reserve.set_quantity(1);
    reserve.set_idempotency_key(key);
    pi::ReserveResponse held;
    grpc::Status s;
    while (true) {
      const absl::Time start = absl::Now();
      s = pi_->Reserve(Ctx(buyer.token, absl::Seconds(10)).get(), reserve, &held);
      Note(s, absl::Now() - start);
      if (!Retryable(s)) break;
      retryable_.fetch_add(1);
      absl::SleepFor(absl::Milliseconds(200));
    }
    if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
        s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
      sold_out_.fetch_add(1);
      absl::SleepFor(absl::Milliseconds(200));
      continue;
    }
    if (!s.ok()) {
      other_errors_.fetch_add(1);
      continue;
    }
    // Checkout, retried with the same key until definite: a hold is never left half-done.
    const op::PlaceOrderRequest request = OrderRequest(held.reservation().id(), key);
    op::PlaceOrderResponse placed;
    while (true) {
      const absl::Time start = absl::Now();
      placed.Clear();
      s = order_->PlaceOrder(Ctx(buyer.token, absl::Seconds(15)).get(), request, &placed);
      Note(s, absl::Now() - start);
      if (!Retryable(s)) break;
      retryable_.fetch_add(1);
      // A clear, retryable refusal names its reason (ErrorInfo); a deadline the client set
      // itself has none to give.
      if (s.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED && s.error_details().empty()) {
        unexplained_.fetch_add(1);
      }
      absl::SleepFor(absl::Milliseconds(200));
    }
    if (s.ok() && placed.order().status() == op::ORDER_STATUS_CONFIRMED) {
      confirmed_.fetch_add(1);
      absl::MutexLock lock(&mu_);
      confirmed_orders_.insert(placed.order().id());
    } else {
      other_errors_.fetch_add(1);
    }
  }
}

absl::Duration Show::slowest_call() const {
  absl::MutexLock lock(&mu_);
  return slowest_;
}

std::vector<std::string> Show::error_samples() const {
  absl::MutexLock lock(&mu_);
  return error_samples_;
}

std::string Show::ErrorText() const {
  std::string all;
  for (const std::string& e : error_samples()) all += e + "; ";
  return all;
}

grpc::Status Show::Retitle(int product_index, const std::string& title) {
  grpc::Status s;
  for (int attempt = 0; attempt < 5; ++attempt) {
    pi::GetProductRequest get;
    get.set_product_id(products_[product_index]);
    pi::GetProductResponse current;
    s = pi_->GetProduct(Ctx(host_token_, absl::Seconds(10)).get(), get, &current);
    if (!s.ok()) return s;
    pi::UpdateProductRequest update;
    update.mutable_update_mask()->add_paths("title");
    *update.mutable_product() = current.product();
    update.mutable_product()->set_title(title);
    pi::UpdateProductResponse updated;
    const absl::Time start = absl::Now();
    s = pi_->UpdateProduct(Ctx(host_token_, absl::Seconds(10)).get(), update, &updated);
    Note(s, absl::Now() - start);
    if (s.error_code() != grpc::StatusCode::ABORTED) return s;
  }
  return s;
}

void Show::WatchRoom() {
  auto push = rp::RealtimePushService::NewStub(
      shopcast::testing::LocalChannel(suite_.endpoints("realtime-push").grpc));
  bool first = true;
  while (watching_.load()) {
    rp::SubscribeRequest request;
    request.set_stream_id(stream_id_);
    {
      absl::MutexLock lock(&mu_);
      request.set_after_sequence(last_seq_);
      watch_ctx_ = std::make_unique<grpc::ClientContext>();
      if (!first) ++resubscribes_;
    }
    first = false;
    grpc::ClientContext* ctx;
    {
      absl::MutexLock lock(&mu_);
      ctx = watch_ctx_.get();
    }
    auto reader = push->Subscribe(ctx, request);
    rp::SubscribeResponse m;
    while (reader->Read(&m)) {
      absl::MutexLock lock(&mu_);
      if (m.has_started()) {
        if (!m.started().resumed()) last_seq_ = m.started().snapshot().sequence();
      } else if (m.has_resync()) {
        ++resyncs_;
        last_seq_ = m.resync().snapshot().sequence();
      } else if (m.has_event() && !m.event().ephemeral()) {
        const rp::RoomEvent& e = m.event();
        ++seen_events_;
        if (e.sequence() != last_seq_ + 1) ++seq_faults_;
        last_seq_ = std::max(last_seq_, e.sequence());
        if (!seen_ids_.insert(e.event_id()).second) ++repeated_ids_;
        if (e.has_stock_changed()) {
          int64_t& rev = stock_revision_[e.stock_changed().product_id()];
          if (e.stock_changed().revision() <= rev) ++revision_faults_;
          rev = e.stock_changed().revision();
        }
      }
    }
    reader->Finish();
    if (watching_.load()) absl::SleepFor(absl::Milliseconds(200));
  }
}

int Show::PendingToPush(const std::string& service) {
  return static_cast<int>(Scalar(suite_.DsnOf(service),
                                 "SELECT count(*) FROM outbox WHERE destination = "
                                 "'realtime_push' AND delivered_at IS NULL"));
}

void Show::SettleAndCheck(const std::string& label, absl::Duration timeout) {
  StopBuying();
  const std::string pi_dsn = suite_.DsnOf("product-inventory");
  const std::string order_dsn = suite_.DsnOf("order");
  const std::string push_dsn = suite_.DsnOf("realtime-push");
  // Settled: nothing held, every outbox row to realtime-push delivered, the subscriber caught
  // up with the room's head.
  auto held = [&] {
    int64_t sum = 0;
    for (const std::string& product : products_) {
      pi::GetStockRequest req;
      req.add_product_ids(product);
      pi::GetStockResponse res;
      if (!pi_->GetStock(Ctx("", absl::Seconds(10)).get(), req, &res).ok()) return int64_t{-1};
      sum += res.stocks(0).held();
    }
    return sum;
  };
  auto head = [&] {
    pqxx::connection c(push_dsn);
    pqxx::nontransaction tx(c);
    return tx.exec_params1("SELECT head_seq FROM rooms WHERE stream_id = $1", stream_id_)[0]
        .as<int64_t>();
  };
  const bool settled = shopcast::testing::WaitUntil(
      [&] {
        if (held() != 0 || PendingToPush("product-inventory") != 0 || PendingToPush("order") != 0) {
          return false;
        }
        absl::MutexLock lock(&mu_);
        return last_seq_ >= head();
      },
      timeout);
  CHECK(settled);

  // Stock: the invariant, nothing held, sold == confirmed units.
  int64_t sold = 0;
  for (const std::string& product : products_) {
    pi::GetStockRequest req;
    req.add_product_ids(product);
    pi::GetStockResponse res;
    REQUIRE(pi_->GetStock(Ctx("", absl::Seconds(10)).get(), req, &res).ok());
    const pi::Stock& st = res.stocks(0);
    CHECK(st.available() + st.held() + st.sold() == st.total());
    CHECK(st.held() == 0);
    sold += st.sold();
  }
  // No acknowledged order lost; nothing sold that nobody was told about, nothing charged twice.
  std::set<std::string> acknowledged;
  {
    absl::MutexLock lock(&mu_);
    acknowledged = confirmed_orders_;
  }
  const int64_t confirmed_in_db =
      Scalar(order_dsn, absl::StrCat("SELECT count(*) FROM orders WHERE status = ",
                                     static_cast<int>(op::ORDER_STATUS_CONFIRMED)));
  int lost = 0;
  {
    pqxx::connection c(order_dsn);
    pqxx::nontransaction tx(c);
    for (const std::string& id : acknowledged) {
      pqxx::result r = tx.exec_params("SELECT status FROM orders WHERE id = $1", id);
      if (r.empty() || r[0][0].as<int>() != op::ORDER_STATUS_CONFIRMED) ++lost;
    }
  }
  CHECK(lost == 0);
  CHECK(sold == confirmed_in_db);  // one unit per order
  CHECK(confirmed_in_db >= static_cast<int64_t>(acknowledged.size()));
  const int64_t captured =
      Scalar(order_dsn, "SELECT COALESCE(sum(captured_minor), 0)::bigint FROM provider_payments");
  const int64_t paid = Scalar(
      order_dsn, absl::StrCat("SELECT COALESCE(sum(total_minor), 0)::bigint FROM orders WHERE "
                              "status = ",
                              static_cast<int>(op::ORDER_STATUS_CONFIRMED)));
  CHECK(captured == paid);

  // Events: each product-inventory room event in the room once; one sale per confirmed order.
  int64_t pi_events = 0, pi_missing = 0;
  {
    pqxx::connection pc(pi_dsn);
    pqxx::nontransaction ptx(pc);
    pqxx::connection rc(push_dsn);
    pqxx::nontransaction rtx(rc);
    for (const auto& row :
         ptx.exec_params("SELECT event_id FROM outbox WHERE destination = 'realtime_push' AND "
                         "aggregate_id = $1",
                         stream_id_)) {
      ++pi_events;
      pqxx::result in_room =
          rtx.exec_params("SELECT count(*) FROM room_events WHERE stream_id = $1 AND event_id = $2",
                          stream_id_, row[0].as<std::string>());
      if (in_room[0][0].as<int64_t>() != 1) ++pi_missing;
    }
  }
  CHECK(pi_missing == 0);
  const int64_t sales =
      Scalar(push_dsn, "SELECT count(*) FROM room_sales WHERE cancelled_at IS NULL");
  const int64_t sale_orders = Scalar(push_dsn, "SELECT count(DISTINCT order_id) FROM room_sales");
  CHECK(sales == confirmed_in_db);
  CHECK(sale_orders == confirmed_in_db);
  // The room's log: 1..head, gapless, each event id once.
  pqxx::connection rc(push_dsn);
  pqxx::nontransaction rtx(rc);
  pqxx::row log = rtx.exec_params1(
      "SELECT count(*), COALESCE(max(seq), 0), count(DISTINCT event_id), "
      "count(*) FILTER (WHERE kind = 23) FROM room_events WHERE stream_id = $1",
      stream_id_);
  const int64_t log_rows = log[0].as<int64_t>(), log_max = log[1].as<int64_t>();
  CHECK(log_rows == log_max);
  CHECK(log[2].as<int64_t>() == log_rows);
  CHECK(log[3].as<int64_t>() == confirmed_in_db);  // a sale ticker per sale

  absl::MutexLock lock(&mu_);
  CHECK(seq_faults_ == 0);
  CHECK(repeated_ids_ == 0);
  CHECK(revision_faults_ == 0);
  CHECK(resyncs_ == 0);
  std::printf(
      "[fault %s] orders confirmed=%d (db %lld) retryable_answers=%d other_errors=%d "
      "sold_out=%d unexplained=%d slowest_call_ms=%lld | stock sold=%lld held=0 | "
      "captured=%lld paid=%lld | pi_room_events=%lld missing=%lld sales=%lld | room head=%lld "
      "seen_by_viewer=%d resubscribes=%d gaps=%d repeats=%d\n",
      label.c_str(), confirmed_.load(), static_cast<long long>(confirmed_in_db), retryable_.load(),
      other_errors_.load(), sold_out_.load(), unexplained_.load(),
      static_cast<long long>(absl::ToInt64Milliseconds(slowest_)), static_cast<long long>(sold),
      static_cast<long long>(captured), static_cast<long long>(paid),
      static_cast<long long>(pi_events), static_cast<long long>(pi_missing),
      static_cast<long long>(sales), static_cast<long long>(log_max), seen_events_, resubscribes_,
      seq_faults_, repeated_ids_);
  std::fflush(stdout);
}

}  // namespace shopcast::faults
