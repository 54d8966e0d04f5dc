// Reading video-ingest's events (recordings/stream_events.h) and the RPCs' request rules
// (recordings/rules.h): what is accepted, and each bad field's reason.

#include "recordings/stream_events.h"

#include <catch2/catch.hpp>

#include "recordings/rules.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"

namespace shopcast::recording_lifecycle::recordings {
namespace {

namespace vi = ::shopcast::video_ingest::v1;

const std::string kStream = ids::NewId("str");

common::v1::Event Of(const char* type, const google::protobuf::Message& m) {
  common::v1::Event e;
  e.set_id("evt_1");
  e.set_source("video_ingest");
  e.set_type(type);
  e.mutable_payload()->PackFrom(m);
  return e;
}

vi::SegmentClosed Segment() {
  vi::SegmentClosed s;
  s.set_stream_id(kStream);
  s.set_session_id("ses_1");
  s.set_sequence(41);
  s.mutable_program_date_time()->set_seconds(1796551200);
  s.mutable_program_date_time()->set_nanos(250'000'000);
  s.mutable_duration()->set_seconds(2);
  s.mutable_duration()->set_nanos(5'000'000);
  s.mutable_media_offset()->set_seconds(82);
  s.set_size_bytes(512'000);
  s.set_sha256(std::string(64, 'a'));
  s.set_path(kStream + "/000041.ts");
  s.set_content_type("video/mp2t");
  s.set_discontinuity(true);
  return s;
}

TEST_CASE("a segment_closed is read whole, to the microsecond") {
  auto change = StreamChangeOf(Of("video_ingest.segment_closed", Segment()));
  REQUIRE(change.ok());
  const auto* s = std::get_if<SegmentIndex>(&*change);
  REQUIRE(s != nullptr);
  CHECK(s->sequence == 41);
  CHECK(s->pdt_us == 1796551200LL * 1'000'000 + 250'000);
  CHECK(s->duration_us == 2'005'000);
  CHECK(s->media_offset_us == 82'000'000);
  CHECK(s->object_key == kStream + "/000041.ts");
  CHECK(s->discontinuity);
}

TEST_CASE("events of other sources or types are nothing") {
  common::v1::Event e = Of("video_ingest.segment_closed", Segment());
  e.set_source("order");
  CHECK(std::holds_alternative<std::monostate>(*StreamChangeOf(e)));
  e = Of("video_ingest.stream_created", Segment());
  CHECK(std::holds_alternative<std::monostate>(*StreamChangeOf(e)));
}

TEST_CASE("a stream_ended carries the count, the poster and the host's choice") {
  vi::StreamEnded e;
  e.set_stream_id(kStream);
  e.set_host_id("usr_1");
  e.set_segment_count(10);
  e.set_last_segment_sequence(9);
  e.set_poster_path(kStream + "/poster.jpg");
  e.set_recording_choice(vi::RECORDING_CHOICE_DELETE);
  auto change = StreamChangeOf(Of("video_ingest.stream_ended", e));
  REQUIRE(change.ok());
  const auto& d = std::get<Ended>(*change);
  CHECK(d.segment_count == 10);
  CHECK(d.last_segment_sequence == 9);
  CHECK(d.choice == 3);
  e.set_recording_choice(vi::RECORDING_CHOICE_UNSPECIFIED);
  CHECK(std::get<Ended>(*StreamChangeOf(Of("video_ingest.stream_ended", e))).choice == 1);
  e.set_poster_path("poster.jpg");
  CHECK(ReasonOf(StreamChangeOf(Of("video_ingest.stream_ended", e)).status()) ==
        "POSTER_PATH_INVALID");
}

TEST_CASE("a went_live title is cut to 120 characters, not bytes") {
  vi::StreamWentLive w;
  w.set_stream_id(kStream);
  w.set_host_id("usr_1");
  std::string title;
  for (int i = 0; i < 130; ++i) title += "é";
  w.set_title(title);
  auto change = StreamChangeOf(Of("video_ingest.stream_went_live", w));
  REQUIRE(change.ok());
  CHECK(Utf8Length(std::get<WentLive>(*change).title) == 120);
}

TEST_CASE("UTF-8 lengths") {
  CHECK(Utf8Length("abc") == 3);
  CHECK(Utf8Length("é€😀") == 3);
  CHECK_FALSE(Utf8Length("\xff").has_value());
  CHECK_FALSE(Utf8Length("\xe2\x82").has_value());
  CHECK(Utf8Prefix("é€😀", 2) == "é€");
}

TEST_CASE("who sees a recording") {
  const auth::Caller host{"usr_h", auth::Role::kHost};
  const auth::Caller other{"usr_o", auth::Role::kHost};
  const auth::Caller admin{"usr_a", auth::Role::kAdmin};
  CHECK(MaySee(host, "usr_h", v1::RETENTION_DECISION_UNDECIDED));
  CHECK(MaySee(admin, "usr_h", v1::RETENTION_DECISION_DELETE));
  CHECK_FALSE(MaySee(other, "usr_h", v1::RETENTION_DECISION_UNDECIDED));
  CHECK_FALSE(MaySee(std::nullopt, "usr_h", v1::RETENTION_DECISION_UNDECIDED));
  CHECK(MaySee(std::nullopt, "usr_h", v1::RETENTION_DECISION_SAVE));
  // A recording whose host is not known yet is nobody's but the admins'.
  CHECK_FALSE(MaySee(auth::Caller{"", auth::Role::kHost}, "", v1::RETENTION_DECISION_UNDECIDED));
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::recordings
