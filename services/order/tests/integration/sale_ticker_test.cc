// A sale reaching the room: the order App (in-process, its own database) checks out holds in a
// stream; its outbox relay delivers order.sale_recorded over mutual TLS to a real realtime-push
// process (its binary, its own database), started as its own process tests start it. A viewer
// subscribed to the stream's room sees each sale's ticker, the host's room stats count the
// units and the revenue, and the seller's GetStreamSales says the same as the orders. Only
// product-inventory is the in-memory double here (order_pi_checkout_test runs the real one).

#include <catch2/catch.hpp>
#include <memory>
#include <thread>
#include <vector>

#include "../support/app_fixture.h"  // order's (realtime-push's tests have one of that name)
#include "absl/synchronization/mutex.h"
#include "common/pg_time.h"
#include "sales/sales_support.h"
#include "shopcast/clients/internal.h"
#include "shopcast/common/v1/event.grpc.pb.h"
#include "shopcast/ids/ids.h"
#include "shopcast/realtime_push/v1/realtime_push.grpc.pb.h"
#include "shopcast/testing/wait.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"
#include "support/process_fixture.h"  // realtime-push's process fixture

namespace shopcast::order::testing {
namespace {

namespace rp = ::shopcast::realtime_push::v1;
namespace rpt = ::shopcast::realtime_push::testing;
namespace vi = ::shopcast::video_ingest::v1;

// Follows a room from a fresh snapshot and keeps every SaleTicker it receives.
class RoomViewer {
 public:
  RoomViewer(rp::RealtimePushService::Stub& stub, const std::string& stream_id) {
    rp::SubscribeRequest request;
    request.set_stream_id(stream_id);
    reader_ = stub.Subscribe(&ctx_, request);
    thread_ = std::thread([this] {
      rp::SubscribeResponse message;
      while (reader_->Read(&message)) {
        absl::MutexLock lock(&mu_);
        if (message.has_started()) started_ = true;
        if (message.has_event() && message.event().has_sale_ticker()) {
          tickers_.push_back(message.event().sale_ticker());
        }
      }
      absl::MutexLock lock(&mu_);
      ended_ = true;
    });
  }
  ~RoomViewer() {
    ctx_.TryCancel();
    thread_.join();
  }

  bool WaitStarted() {
    return shopcast::testing::WaitUntil(
        [&] {
          absl::MutexLock lock(&mu_);
          return started_;
        },
        absl::Seconds(30));
  }
  bool WaitForTickers(size_t n) {
    return shopcast::testing::WaitUntil([&] { return Tickers().size() >= n; }, absl::Seconds(30));
  }
  std::vector<rp::SaleTicker> Tickers() const {
    absl::MutexLock lock(&mu_);
    return tickers_;
  }

 private:
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReader<rp::SubscribeResponse>> reader_;
  mutable absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<rp::SaleTicker> tickers_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

// video-ingest's event that opens the stream's room, delivered to realtime-push's EventSink
// with video-ingest's certificate, as its relay would.
void GoLive(const rpt::Deployment& d, const rpt::Process& p, const std::string& stream_id,
            const std::string& host_id) {
  auto tls = auth::LoadServiceTls(d.TlsOf("video-ingest"));
  REQUIRE(tls.ok());
  auto channel = clients::MakeInternalChannel("realtime-push", p.internal_target(), *tls);
  REQUIRE(channel.ok());
  auto sink = common::v1::EventSink::NewStub(*channel);
  vi::StreamWentLive live;
  live.set_stream_id(stream_id);
  live.set_host_id(host_id);
  live.set_title("Friday mugs");
  common::v1::DeliverEventsRequest request;
  common::v1::Event* e = request.add_events();
  e->set_id(ids::NewId("evt"));
  e->set_type("video_ingest.stream_went_live");
  e->set_source("video_ingest");
  e->set_aggregate_id(stream_id);
  ToProto(absl::Now(), e->mutable_occurred_at());
  e->mutable_payload()->PackFrom(live);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  common::v1::DeliverEventsResponse response;
  grpc::Status s = sink->DeliverEvents(&ctx, request, &response);
  REQUIRE(s.ok());
  REQUIRE(response.accepted_ids_size() == 1);
}

grpc::Status RoomStats(rp::RealtimePushService::Stub& stub, const std::string& token,
                       const std::string& stream_id, rp::RoomStats* out) {
  grpc::ClientContext ctx;
  Prepare(ctx, token);
  rp::GetRoomStatsRequest request;
  request.set_stream_id(stream_id);
  rp::GetRoomStatsResponse response;
  grpc::Status s = stub.GetRoomStats(&ctx, request, &response);
  *out = response.stats();
  return s;
}

TEST_CASE("a checkout's sale reaches the room's viewers, the host's stats and the dashboard",
          "[integration]") {
  AppFixture f;
  // realtime-push: its own database; credentials from the CA the order App uses; tokens
  // verified with the key the fixture signs with.
  rpt::Deployment room_service(f.File("pki"));
  rpt::Process push(room_service, "realtime-push",
                    {"SHOPCAST_REALTIME_PUSH_VERIFY_KEY_FILES=" + f.verify_key_file()});
  auto push_stub = push.PublicStub();

  const std::string stream = ids::NewId("str"), host = ids::NewId("usr");
  const std::string ada = ids::NewId("usr"), bob = ids::NewId("usr");
  GoLive(room_service, push, stream, host);
  rp::RoomStats stats;
  REQUIRE(shopcast::testing::WaitUntil(
      [&] { return RoomStats(*push_stub, "", stream, &stats).ok() && stats.open(); },
      absl::Seconds(30)));
  RoomViewer viewer(*push_stub, stream);
  REQUIRE(viewer.WaitStarted());

  // The order App delivers its outbox to realtime-push's internal listener (what tools/dev's
  // SHOPCAST_ORDER_EVENT_SINKS=realtime_push=… does).
  auto order = f.AddReplica([&](Config& c) {
                  c.event_sinks["realtime_push"] = push.internal_target();
                }).Stub();
  auto place = [&](const std::string& buyer, const std::string& name, int quantity, int64_t unit,
                   const std::string& method) {
    const std::string res = f.inventory.AddHold(buyer, host, stream, quantity, unit);
    grpc::ClientContext ctx;
    Prepare(ctx, f.TokenFor(buyer, "viewer", name));
    pb::PlaceOrderResponse response;
    grpc::Status s =
        order->PlaceOrder(&ctx, OrderRequest(res, ids::NewId("key"), method), &response);
    REQUIRE(s.ok());
    return response.order();
  };
  const pb::Order first = place(ada, "Ada", 2, 1250, "pm_test_approve");
  REQUIRE(first.status() == pb::ORDER_STATUS_CONFIRMED);
  REQUIRE(viewer.WaitForTickers(1));
  const pb::Order declined = place(bob, "", 1, 9999, "pm_test_decline");
  REQUIRE(declined.status() == pb::ORDER_STATUS_FAILED);
  const pb::Order second = place(bob, "", 1, 900, "pm_test_approve");
  REQUIRE(second.status() == pb::ORDER_STATUS_CONFIRMED);
  REQUIRE(viewer.WaitForTickers(2));

  // Two tickers, in order: the declined checkout sold nothing.
  std::vector<rp::SaleTicker> tickers = viewer.Tickers();
  REQUIRE(tickers.size() == 2);
  CHECK(tickers[0].product_id() == first.lines(0).product_id());
  CHECK(tickers[0].title() == "Enamel mug");
  CHECK(tickers[0].quantity() == 2);
  CHECK(tickers[0].unit_price().amount_minor() == 1250);
  CHECK(tickers[0].unit_price().currency() == "USD");
  CHECK(tickers[0].buyer_display_name() == "Ada");
  CHECK(tickers[0].stream_units_sold() == 2);
  CHECK(tickers[1].product_id() == second.lines(0).product_id());
  CHECK(tickers[1].quantity() == 1);
  CHECK(tickers[1].buyer_display_name() != "");  // masked: Bob's token has no name
  CHECK(tickers[1].buyer_display_name().find(bob) == std::string::npos);
  CHECK(tickers[1].stream_units_sold() == 3);
  CHECK(tickers[1].moment_at().seconds() > 0);

  // The host's room stats count what the tickers announced.
  REQUIRE(RoomStats(*push_stub, f.TokenFor(host, "host"), stream, &stats).ok());
  CHECK(stats.host_view());
  CHECK(stats.units_sold() == 3);
  CHECK(stats.sales_count() == 2);
  REQUIRE(stats.revenue_size() == 1);
  CHECK(stats.revenue(0).currency() == "USD");
  CHECK(stats.revenue(0).amount_minor() == 2500 + 900);

  // The seller's dashboard: the sum of the orders, and the same as the room.
  StreamSalesResult sales = StreamSales(*order, f.TokenFor(host, "host"), stream);
  REQUIRE(sales.status.ok());
  const pb::SalesTotals& t = sales.response.summary().totals();
  CHECK(t.order_count() == 2);
  CHECK(t.units_sold() == first.lines(0).quantity() + second.lines(0).quantity());
  REQUIRE(t.gross_revenue_size() == 1);
  CHECK(t.gross_revenue(0).amount_minor() ==
        first.subtotal().amount_minor() + second.subtotal().amount_minor());
  CHECK(t.gross_revenue(0).amount_minor() == stats.revenue(0).amount_minor());
  CHECK(t.units_sold() == stats.units_sold());
  CHECK(t.order_count() == stats.sales_count());
  CHECK(t.shipping_revenue(0).amount_minor() ==
        first.shipping().amount_minor() + second.shipping().amount_minor());
  CHECK(t.net_revenue(0).amount_minor() ==
        first.total().amount_minor() + second.total().amount_minor());
  CHECK(t.unique_buyers() == 2);
  REQUIRE(sales.response.sales_size() == 2);
  CHECK(sales.response.sales(0).order_id() == second.id());
  CHECK(sales.response.sales(1).order_id() == first.id());
  int64_t per_minute_units = 0;
  for (const pb::MinuteSales& m : sales.response.summary().per_minute()) {
    per_minute_units += m.units_sold();
  }
  CHECK(per_minute_units == 3);
  // Each sale's moment is the one the room's ticker carried.
  CHECK(sales.response.sales(1).moment_at().seconds() == tickers[0].moment_at().seconds());
}

}  // namespace
}  // namespace shopcast::order::testing
