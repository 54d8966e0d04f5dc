// Reading paid access from the peers' events (pure): gating from video-ingest's stream_created /
// stream_updated, passes from order's grants and revocations; malformed ones refused with a
// reason naming the field; other events and wrong sources are nothing to do.

#include "access/access_events.h"

#include <catch2/catch.hpp>
#include <functional>

#include "shopcast/ids/ids.h"
#include "shopcast/order/v1/order.pb.h"
#include "shopcast/status/status.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"

namespace shopcast::recording_lifecycle::access {
namespace {

common::v1::Event Wrap(const std::string& source, const std::string& type,
                       const google::protobuf::Message& payload) {
  common::v1::Event e;
  e.set_id(ids::NewId("evt"));
  e.set_source(source);
  e.set_type(type);
  e.mutable_payload()->PackFrom(payload);
  return e;
}

const std::string kStream = ids::NewId("str");
const std::string kViewer = ids::NewId("usr");

TEST_CASE("gating: stream_created is version 0, stream_updated carries its version") {
  video_ingest::v1::StreamCreated created;
  created.set_stream_id(kStream);
  created.set_gated(true);
  auto got = AccessChangeOf(Wrap("video_ingest", "video_ingest.stream_created", created));
  REQUIRE(got.ok());
  const auto* g = std::get_if<Gating>(&*got);
  REQUIRE(g != nullptr);
  CHECK(g->stream_id == kStream);
  CHECK(g->gated);
  CHECK(g->version == 0);

  video_ingest::v1::StreamUpdated updated;
  updated.set_stream_id(kStream);
  updated.set_version(4);
  got = AccessChangeOf(Wrap("video_ingest", "video_ingest.stream_updated", updated));
  REQUIRE(got.ok());
  g = std::get_if<Gating>(&*got);
  REQUIRE(g != nullptr);
  CHECK_FALSE(g->gated);
  CHECK(g->version == 4);

  updated.set_version(0);  // video-ingest's versions start at 1
  got = AccessChangeOf(Wrap("video_ingest", "video_ingest.stream_updated", updated));
  CHECK(ReasonOf(got.status()) == "VERSION_INVALID");
}

TEST_CASE("passes: granted and revoked, with their times when given") {
  order::v1::AccessPassGranted granted;
  granted.set_order_id("ord_1");
  granted.set_stream_id(kStream);
  granted.set_viewer_id(kViewer);
  granted.mutable_granted_at()->set_seconds(1796000000);
  auto got = AccessChangeOf(Wrap("order", "order.access_pass_granted", granted));
  REQUIRE(got.ok());
  const auto* g = std::get_if<PassGranted>(&*got);
  REQUIRE(g != nullptr);
  CHECK(g->order_id == "ord_1");
  CHECK(g->viewer_id == kViewer);
  CHECK(g->granted_us == 1796000000LL * 1'000'000);

  order::v1::AccessPassRevoked revoked;
  revoked.set_order_id("ord_1");
  revoked.set_stream_id(kStream);
  revoked.set_viewer_id(kViewer);
  got = AccessChangeOf(Wrap("order", "order.access_pass_revoked", revoked));
  REQUIRE(got.ok());
  const auto* r = std::get_if<PassRevoked>(&*got);
  REQUIRE(r != nullptr);
  CHECK(r->stream_id == kStream);
  CHECK(r->revoked_us == 0);  // not given: the database's now
}

TEST_CASE("malformed access events are refused with the field's reason") {
  order::v1::AccessPassGranted good;
  good.set_order_id("ord_1");
  good.set_stream_id(kStream);
  good.set_viewer_id(kViewer);
  struct Case {
    const char* name;
    std::function<void(order::v1::AccessPassGranted&)> edit;
    const char* reason;
  };
  const Case cases[] = {
      {"no order", [](auto& p) { p.clear_order_id(); }, "ORDER_ID_INVALID"},
      {"order with a quote", [](auto& p) { p.set_order_id("ord_'1"); }, "ORDER_ID_INVALID"},
      {"order too long", [](auto& p) { p.set_order_id(std::string(65, 'a')); }, "ORDER_ID_INVALID"},
      {"not a stream", [](auto& p) { p.set_stream_id("prd_1"); }, "STREAM_ID_INVALID"},
      {"not a user", [](auto& p) { p.set_viewer_id("bob"); }, "VIEWER_ID_INVALID"},
      {"time before 1970", [](auto& p) { p.mutable_granted_at()->set_seconds(-5); },
       "ACCESS_TIME_INVALID"},
      {"bad nanos", [](auto& p) { p.mutable_granted_at()->set_nanos(-1); }, "ACCESS_TIME_INVALID"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    order::v1::AccessPassGranted p = good;
    c.edit(p);
    auto got = AccessChangeOf(Wrap("order", "order.access_pass_granted", p));
    CHECK(got.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(ReasonOf(got.status()) == c.reason);
  }
  // The right type with another message inside.
  video_ingest::v1::StreamCreated created;
  created.set_stream_id(kStream);
  auto got = AccessChangeOf(Wrap("order", "order.access_pass_revoked", created));
  CHECK(ReasonOf(got.status()) == "EVENT_PAYLOAD_UNREADABLE");
  got = AccessChangeOf(Wrap("video_ingest", "video_ingest.stream_created", good));
  CHECK(ReasonOf(got.status()) == "EVENT_PAYLOAD_UNREADABLE");
}

TEST_CASE("other events, and the right type from the wrong source, are nothing to do") {
  order::v1::AccessPassGranted granted;
  granted.set_order_id("ord_1");
  granted.set_stream_id(kStream);
  granted.set_viewer_id(kViewer);
  // Only order grants passes: the same payload from video-ingest changes nothing.
  auto got = AccessChangeOf(Wrap("video_ingest", "order.access_pass_granted", granted));
  REQUIRE(got.ok());
  CHECK(std::holds_alternative<std::monostate>(*got));
  video_ingest::v1::StreamCreated created;
  created.set_stream_id(kStream);
  created.set_gated(false);
  got = AccessChangeOf(Wrap("order", "video_ingest.stream_created", created));
  REQUIRE(got.ok());
  CHECK(std::holds_alternative<std::monostate>(*got));
  got = AccessChangeOf(Wrap("video_ingest", "video_ingest.stream_went_live", created));
  REQUIRE(got.ok());
  CHECK(std::holds_alternative<std::monostate>(*got));
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::access
