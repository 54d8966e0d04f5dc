// video-ingest's events through the real EventSink onto a real database: recordings opened,
// segments indexed in and out of order, duplicates, refusals that change nothing, the stream's
// end with the host's choice, READY and its event.

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "shopcast/ids/ids.h"
#include "support/app_fixture.h"

namespace shopcast::recording_lifecycle::testing {
namespace {

namespace vi = ::shopcast::video_ingest::v1;

constexpr int64_t kSeg = 2 * kSecond;

std::string Q(const std::string& s) { return "'" + s + "'"; }

int64_t Segments(const AppFixture& f, const std::string& stream) {
  return f.Count(
      "SELECT count(*) FROM segments s JOIN recordings r ON r.id = s.recording_id "
      "WHERE r.stream_id = " +
      Q(stream));
}

int64_t Field(const AppFixture& f, const std::string& stream, const std::string& column) {
  return f.Count("SELECT " + column + " FROM recordings WHERE stream_id = " + Q(stream));
}

int64_t ReadyEvents(const AppFixture& f) {
  return f.Count(
      "SELECT count(DISTINCT event_id) FROM outbox WHERE type = "
      "'recording_lifecycle.recording_ready'");
}

TEST_CASE("a live stream's events make a READY recording with its segments, once") {
  AppFixture f;
  const std::string stream = ids::NewId("str"), host = ids::NewId("usr");
  f.Deliver(WentLiveEvent(stream, host, "Teapots at dawn"));
  CHECK(Field(f, stream, "status") == 1);
  CHECK(f.Text("SELECT title FROM recordings WHERE stream_id = " + Q(stream)) == "Teapots at dawn");
  CHECK(f.Text("SELECT id FROM recordings WHERE stream_id = " + Q(stream)).rfind("rec_", 0) == 0);

  std::vector<common::v1::Event> segments;
  for (int i = 0; i < 4; ++i)
    segments.push_back(SegmentEvent(stream, i, kT0 + i * kSeg, kSeg, i * kSeg));
  CHECK(f.Deliver("video-ingest", segments).size() == 4);
  // The relay delivers again (at least once): nothing changes.
  CHECK(f.Deliver("video-ingest", segments).size() == 4);
  // The same segment under another event id: a no-op.
  f.Deliver(SegmentEvent(stream, 2, kT0 + 2 * kSeg, kSeg, 2 * kSeg));
  CHECK(Segments(f, stream) == 4);
  CHECK(Field(f, stream, "segment_count") == 4);
  CHECK(Field(f, stream, "duration_us") == 4 * kSeg);
  CHECK(Field(f, stream, "size_bytes") == 4 * 100'000 + 0 + 1 + 2 + 3);
  CHECK(Field(f, stream, "(extract(epoch FROM started_at) * 1000000)::bigint") == kT0);
  CHECK(Field(f, stream, "(extract(epoch FROM ended_at) * 1000000)::bigint") == kT0 + 4 * kSeg);
  CHECK(ReadyEvents(f) == 0);

  f.Deliver(EndedEvent(stream, host, 4, vi::RECORDING_CHOICE_SAVE, stream + "/poster.jpg"));
  CHECK(Field(f, stream, "status") == 3);    // READY
  CHECK(Field(f, stream, "decision") == 2);  // SAVE
  CHECK(Field(f, stream, "expected_segment_count") == 4);
  CHECK(f.Text("SELECT poster_key FROM recordings WHERE stream_id = " + Q(stream)) ==
        stream + "/poster.jpg");
  CHECK(ReadyEvents(f) == 1);
  CHECK(f.Count("SELECT count(*) FROM outbox WHERE type = 'recording_lifecycle.recording_ready' "
                "AND destination = 'realtime_push'") == 1);
}

TEST_CASE("segments out of order, before went_live, and a resumed session: one recording") {
  AppFixture f;
  const std::string stream = ids::NewId("str"), host = ids::NewId("usr");
  // Segment 2 first, of a stream whose went_live has not come: the recording is made from it.
  f.Deliver(SegmentEvent(stream, 2, kT0 + 2 * kSeg, kSeg, 2 * kSeg));
  CHECK(Field(f, stream, "segment_count") == 1);
  CHECK(f.Text("SELECT host_id || '|' || title FROM recordings WHERE stream_id = " + Q(stream)) ==
        "|");
  f.Deliver(WentLiveEvent(stream, host, "Late title"));
  CHECK(f.Text("SELECT host_id || '|' || title FROM recordings WHERE stream_id = " + Q(stream)) ==
        host + "|Late title");
  f.Deliver(SegmentEvent(stream, 0, kT0, kSeg, 0));
  // A reconnect: video-ingest says resumed; the same recording continues.
  f.Deliver(WentLiveEvent(stream, host, "Another title", /*resumed=*/true));
  f.Deliver(
      SegmentEvent(stream, 3, kT0 + 10 * kSeg, kSeg, 3 * kSeg, /*discontinuity=*/true, "ses_2"));
  CHECK(f.Count("SELECT count(*) FROM recordings") == 1);
  CHECK(f.Text("SELECT title FROM recordings WHERE stream_id = " + Q(stream)) == "Late title");
  // Ended with segment 1 still missing: PROCESSING until it comes.
  f.Deliver(EndedEvent(stream, host, 4));
  CHECK(Field(f, stream, "status") == 2);
  CHECK(ReadyEvents(f) == 0);
  f.Deliver(SegmentEvent(stream, 1, kT0 + kSeg, kSeg, kSeg));
  CHECK(Field(f, stream, "status") == 3);
  CHECK(Field(f, stream, "decision") == 1);  // undecided: the host still chooses
  CHECK(ReadyEvents(f) == 1);
  CHECK(Field(f, stream, "(extract(epoch FROM started_at) * 1000000)::bigint") == kT0);
  CHECK(Field(f, stream, "(extract(epoch FROM ended_at) * 1000000)::bigint") == kT0 + 11 * kSeg);
  CHECK(f.Count("SELECT count(*) FROM segments WHERE discontinuity") == 1);
  CHECK(f.Text("SELECT string_agg(sequence::text, ',' ORDER BY sequence) FROM segments") ==
        "0,1,2,3");
}

TEST_CASE("DELETE chosen at the end makes the recording DELETING, with no READY event") {
  AppFixture f;
  const std::string stream = ids::NewId("str"), host = ids::NewId("usr");
  f.Deliver(WentLiveEvent(stream, host, "Oops"));
  f.Deliver(SegmentEvent(stream, 0, kT0, kSeg, 0));
  f.Deliver(EndedEvent(stream, host, 1, vi::RECORDING_CHOICE_DELETE));
  CHECK(Field(f, stream, "status") == 4);
  CHECK(Field(f, stream, "decision") == 3);
  CHECK(ReadyEvents(f) == 0);
}

TEST_CASE("a stream that never went live makes no recording") {
  AppFixture f;
  const std::string stream = ids::NewId("str");
  f.Deliver(EndedEvent(stream, ids::NewId("usr"), 0));
  CHECK(f.Count("SELECT count(*) FROM recordings") == 0);
}

TEST_CASE("a bad segment event is refused with its reason, recorded, and changes nothing") {
  AppFixture f;
  const std::string stream = ids::NewId("str"), other = ids::NewId("str");
  f.Deliver(WentLiveEvent(stream, ids::NewId("usr"), "Bad inputs"));
  f.Deliver(SegmentEvent(stream, 0, kT0, kSeg, 0));
  const vi::SegmentClosed good = SegmentOf(SegmentEvent(stream, 1, kT0 + kSeg, kSeg, kSeg));
  struct Case {
    const char* name;
    std::function<void(vi::SegmentClosed&)> edit;
    const char* reason;
  };
  const std::vector<Case> cases = {
      {"stream", [](vi::SegmentClosed& s) { s.set_stream_id("str_nope"); }, "STREAM_ID_INVALID"},
      {"session", [](vi::SegmentClosed& s) { s.set_session_id(""); }, "SESSION_ID_INVALID"},
      {"sequence", [](vi::SegmentClosed& s) { s.set_sequence(-1); }, "SEGMENT_SEQUENCE_INVALID"},
      {"pdt", [](vi::SegmentClosed& s) { s.clear_program_date_time(); }, "SEGMENT_TIME_INVALID"},
      {"duration 0", [](vi::SegmentClosed& s) { s.mutable_duration()->Clear(); },
       "SEGMENT_DURATION_INVALID"},
      {"duration negative", [](vi::SegmentClosed& s) { s.mutable_duration()->set_seconds(-2); },
       "SEGMENT_DURATION_INVALID"},
      {"duration huge", [](vi::SegmentClosed& s) { s.mutable_duration()->set_seconds(3600); },
       "SEGMENT_DURATION_INVALID"},
      {"offset", [](vi::SegmentClosed& s) { s.mutable_media_offset()->set_seconds(-1); },
       "SEGMENT_OFFSET_INVALID"},
      {"size", [](vi::SegmentClosed& s) { s.set_size_bytes(0); }, "SEGMENT_SIZE_INVALID"},
      {"sha short", [](vi::SegmentClosed& s) { s.set_sha256("abc"); }, "SEGMENT_SHA256_INVALID"},
      {"sha upper", [](vi::SegmentClosed& s) { s.set_sha256(std::string(64, 'A')); },
       "SEGMENT_SHA256_INVALID"},
      {"path traversal",
       [&](vi::SegmentClosed& s) { s.set_path(stream + "/../" + stream + "/000001.ts"); },
       "SEGMENT_PATH_INVALID"},
      {"path absolute", [&](vi::SegmentClosed& s) { s.set_path("/" + stream + "/000001.ts"); },
       "SEGMENT_PATH_INVALID"},
      {"path of another stream", [&](vi::SegmentClosed& s) { s.set_path(other + "/000001.ts"); },
       "SEGMENT_PATH_INVALID"},
      {"path nested", [&](vi::SegmentClosed& s) { s.set_path(stream + "/a/000001.ts"); },
       "SEGMENT_PATH_INVALID"},
      {"path hidden", [&](vi::SegmentClosed& s) { s.set_path(stream + "/.000001.ts"); },
       "SEGMENT_PATH_INVALID"},
      {"content type", [](vi::SegmentClosed& s) { s.set_content_type("text/html"); },
       "SEGMENT_CONTENT_TYPE_INVALID"},
      // Sequence 0 again with other bytes: the first one stays.
      {"conflict",
       [](vi::SegmentClosed& s) {
         s.set_sequence(0);
         s.set_sha256(std::string(64, 'e'));
       },
       "SEGMENT_CONFLICT"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    vi::SegmentClosed bad = good;
    c.edit(bad);
    const common::v1::Event e = SegmentEventFrom(bad);
    f.Deliver(e);  // acknowledged: redelivering cannot fix it
    CHECK(f.Text("SELECT reason FROM rejected_events WHERE event_id = " + Q(e.id())) == c.reason);
    CHECK(Segments(f, stream) == 1);
    CHECK(Field(f, stream, "segment_count") == 1);
    CHECK(Field(f, stream, "duration_us") == kSeg);
    CHECK(f.Count("SELECT count(*) FROM recordings") == 1);
    // Delivered again: still refused once, still nothing.
    f.Deliver(e);
    CHECK(f.Count("SELECT count(*) FROM rejected_events WHERE event_id = " + Q(e.id())) == 1);
  }
  CHECK(f.Text("SELECT sha256 FROM segments WHERE sequence = 0") ==
        SegmentOf(SegmentEvent(stream, 0, kT0, kSeg, 0)).sha256());
  // The good one is still welcome.
  f.Deliver(SegmentEventFrom(good));
  CHECK(Segments(f, stream) == 2);
}

TEST_CASE("a bad stream_ended or went_live is refused whole") {
  AppFixture f;
  const std::string stream = ids::NewId("str"), host = ids::NewId("usr");
  f.Deliver(WentLiveEvent(stream, host, "Ends badly"));
  f.Deliver(SegmentEvent(stream, 0, kT0, kSeg, 0));
  common::v1::Event poster =
      EndedEvent(stream, host, 1, vi::RECORDING_CHOICE_SAVE, "../etc/passwd");
  f.Deliver(poster);
  CHECK(f.Text("SELECT reason FROM rejected_events WHERE event_id = " + Q(poster.id())) ==
        "POSTER_PATH_INVALID");
  common::v1::Event count = EndedEvent(stream, host, 1);
  vi::StreamEnded ended;
  REQUIRE(count.payload().UnpackTo(&ended));
  ended.set_last_segment_sequence(7);
  count.mutable_payload()->PackFrom(ended);
  f.Deliver(count);
  CHECK(f.Text("SELECT reason FROM rejected_events WHERE event_id = " + Q(count.id())) ==
        "SEGMENT_COUNT_INVALID");
  common::v1::Event live = WentLiveEvent(stream, "usr with spaces", "x");
  f.Deliver(live);
  CHECK(f.Text("SELECT reason FROM rejected_events WHERE event_id = " + Q(live.id())) ==
        "HOST_ID_INVALID");
  CHECK(Field(f, stream, "status") == 1);
  CHECK(Field(f, stream, "decision") == 1);
  CHECK(f.Count("SELECT count(*) FROM recordings WHERE expected_segment_count IS NULL") == 1);
}

TEST_CASE("events of no interest are acknowledged and leave nothing") {
  AppFixture f;
  common::v1::Event e = WentLiveEvent(ids::NewId("str"), ids::NewId("usr"), "x");
  e.set_type("video_ingest.stream_reconnecting");
  f.Deliver(e);
  CHECK(f.Count("SELECT count(*) FROM recordings") == 0);
  CHECK(f.Count("SELECT count(*) FROM rejected_events") == 0);
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::testing
