// Access passes delivered as the order service's events through DeliverEvents: a grant, the same
// event again (deduped by id), a second order for the same viewer and stream, a revocation, a
// revocation that arrives before its grant (the grant stays void), and the batched reads the
// origin refreshes from.

#include <catch2/catch.hpp>

#include "shopcast/ids/ids.h"
#include "shopcast/order/v1/order.pb.h"
#include "shopcast/testing/pg.h"
#include "streams/store/sql.h"
#include "streams_fixture.h"

namespace shopcast::video_ingest::streams::testing {
namespace {

bool Active(StreamsFixture& f, const std::string& viewer, const std::string& stream) {
  return f.passes().HasActivePass(viewer, stream).value();
}

TEST_CASE("a granted pass is active and the same event again changes nothing", "[passes]") {
  StreamsFixture f;
  const std::string stream = ids::NewId("str"), viewer = ids::NewId("usr");
  const std::string order = ids::NewId("ord"), event = ids::NewId("evt");
  CHECK(!Active(f, viewer, stream));
  CHECK(f.DeliverPass(true, order, stream, viewer, event) == std::vector<std::string>{event});
  CHECK(Active(f, viewer, stream));
  CHECK(!Active(f, ids::NewId("usr"), stream));
  CHECK(!Active(f, viewer, ids::NewId("str")));
  // Redelivered: accepted again, still one pass, one inbox mark.
  CHECK(f.DeliverPass(true, order, stream, viewer, event) == std::vector<std::string>{event});
  CHECK(f.Count("access_passes") == 1);
  CHECK(f.Scalar("SELECT count(*) FROM processed_events WHERE event_id = '" + event + "'") == "1");
}

TEST_CASE("a revoked pass is inactive, and a late duplicate grant does not revive it", "[passes]") {
  StreamsFixture f;
  const std::string stream = ids::NewId("str"), viewer = ids::NewId("usr");
  const std::string order = ids::NewId("ord");
  f.DeliverPass(true, order, stream, viewer);
  f.DeliverPass(false, order, stream, viewer);
  CHECK(!Active(f, viewer, stream));
  // The same grant again under a new event id (a retried send upstream): revoked wins.
  f.DeliverPass(true, order, stream, viewer);
  CHECK(!Active(f, viewer, stream));
  // Another order for the same stream (the viewer bought again) is a pass of its own.
  f.DeliverPass(true, ids::NewId("ord"), stream, viewer);
  CHECK(Active(f, viewer, stream));
}

TEST_CASE("a revocation that arrives before its grant voids the grant", "[passes]") {
  StreamsFixture f;
  const std::string stream = ids::NewId("str"), viewer = ids::NewId("usr");
  const std::string order = ids::NewId("ord");
  f.DeliverPass(false, order, stream, viewer);
  CHECK(!Active(f, viewer, stream));
  f.DeliverPass(true, order, stream, viewer);
  CHECK(!Active(f, viewer, stream));
  CHECK(f.Scalar("SELECT granted_at IS NOT NULL AND revoked_at IS NOT NULL FROM access_passes") ==
        "t");
}

TEST_CASE("unreadable pass events are dropped, other events accepted and ignored", "[passes]") {
  StreamsFixture f;
  common::v1::DeliverEventsRequest req;
  common::v1::Event* bad = req.add_events();
  bad->set_id(ids::NewId("evt"));
  bad->set_source("order");
  bad->set_type(kAccessPassGranted);
  bad->mutable_payload()->PackFrom(common::v1::DeliverEventsRequest());  // not a pass
  common::v1::Event* other = req.add_events();
  other->set_id(ids::NewId("evt"));
  other->set_type("order.sale_recorded");
  common::v1::DeliverEventsResponse res;
  auto ctx = Ctx();
  REQUIRE(f.sink().DeliverEvents(ctx.get(), req, &res).ok());
  CHECK(res.accepted_ids_size() == 2);
  CHECK(f.Count("access_passes") == 0);

  common::v1::DeliverEventsRequest empty;
  auto ctx2 = Ctx();
  CHECK(f.sink().DeliverEvents(ctx2.get(), empty, &res).error_code() == grpc::INVALID_ARGUMENT);
}

TEST_CASE("a pass event from any source but the order service grants nothing", "[passes]") {
  StreamsFixture f;
  const std::string stream = ids::NewId("str"), viewer = ids::NewId("usr");
  common::v1::DeliverEventsRequest req;
  common::v1::Event* forged = req.add_events();
  forged->set_id(ids::NewId("evt"));
  forged->set_source("product_inventory");
  forged->set_type(kAccessPassGranted);
  shopcast::order::v1::AccessPassGranted p;
  p.set_order_id(ids::NewId("ord"));
  p.set_stream_id(stream);
  p.set_viewer_id(viewer);
  forged->mutable_payload()->PackFrom(p);
  common::v1::DeliverEventsResponse res;
  auto ctx = Ctx();
  REQUIRE(f.sink().DeliverEvents(ctx.get(), req, &res).ok());
  CHECK(res.accepted_ids_size() == 1);  // acknowledged, so the relay does not resend it
  CHECK(f.Count("access_passes") == 0);
  CHECK(!Active(f, viewer, stream));
}

TEST_CASE("the origin's batched reads: gates and active passes", "[passes]") {
  StreamsFixture f;
  std::string host;
  const std::string token = f.TokenFor(auth::Role::kHost, &host);
  const std::string stream = f.Create(token, "show", "k1").stream().id();
  const std::string viewer = ids::NewId("usr"), other = ids::NewId("usr");
  f.DeliverPass(true, ids::NewId("ord"), stream, viewer);

  auto gates = f.passes().Gates({stream, ids::NewId("str")});
  REQUIRE(gates.ok());
  REQUIRE(gates->size() == 1);
  CHECK(gates->at(stream).host_id == host);
  CHECK(!gates->at(stream).gated);

  auto active = f.passes().ActivePasses({{viewer, stream}, {other, stream}});
  REQUIRE(active.ok());
  CHECK(*active == std::set<access::ViewerStream>{{viewer, stream}});
}

// A fresh database (or one whose passes grew fast since the last ANALYZE) has statistics that
// call access_passes empty; a plan cached then must still not read every pass at each refresh.
TEST_CASE("the active-pass lookup probes its index, however small the table looks", "[passes]") {
  StreamsFixture f;
  const std::string plan = shopcast::testing::GenericPlan(f.dsn(), sql::kActivePasses, 2);
  INFO(plan);
  // One probe of the index per requested pair, not a read of every active pass.
  CHECK(plan.find("Seq Scan on access_passes") == std::string::npos);
  CHECK(plan.find("Bitmap Heap Scan on access_passes") == std::string::npos);
  CHECK(plan.find("Index Cond: ((viewer_id = q.viewer_id) AND (stream_id = q.stream_id))") !=
        std::string::npos);
}

}  // namespace
}  // namespace shopcast::video_ingest::streams::testing
