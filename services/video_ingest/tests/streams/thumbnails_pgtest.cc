// Live thumbnails as the store records them (the thumbnailer's side) and as the API and the
// recording service see them: thumbnail_url while the stream is live, the poster kept once and
// named by StreamEnded.
#include <catch2/catch.hpp>
#include <string>

#include "shopcast/status/status.h"
#include "streams_fixture.h"

using namespace shopcast::video_ingest::streams;           // NOLINT: test file
using namespace shopcast::video_ingest::streams::testing;  // NOLINT: test file
using shopcast::video_ingest::IngestProtocol;
namespace cpb = shopcast::common::v1;

namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1900000000);

struct Show {
  std::string token, host_id, stream_id, key;
};

Show MakeStream(StreamsFixture& f, const std::string& title) {
  Show s;
  s.token = f.TokenFor(shopcast::auth::Role::kHost, &s.host_id);
  auto created = f.Create(s.token, title, "k-" + title);
  s.stream_id = created.stream().id();
  s.key = created.endpoints().stream_key();
  return s;
}

vpb::Stream Get(StreamsFixture& f, const Show& s) {
  vpb::GetStreamRequest req;
  req.set_stream_id(s.stream_id);
  vpb::GetStreamResponse res;
  auto ctx = Ctx();
  REQUIRE(f.stub().GetStream(ctx.get(), req, &res).ok());
  return res.stream();
}

void GoLive(StreamsFixture& f, const Show& s) {
  auto claim = f.store().ClaimForPublish(s.key, IngestProtocol::kRtmp, "203.0.113.7:5000", kT0);
  REQUIRE(claim.ok());
  REQUIRE(f.store()
              .RecordSegment(*claim, Segment(s.stream_id, 0, kT0, absl::ZeroDuration()),
                             kT0 + absl::Seconds(2))
              .ok());
}

vpb::StreamEnded EndAndRead(StreamsFixture& f, const Show& s) {
  vpb::EndStreamRequest req;
  req.set_stream_id(s.stream_id);
  req.set_recording_choice(vpb::RECORDING_CHOICE_SAVE);
  vpb::EndStreamResponse res;
  auto ctx = Ctx(s.token);
  REQUIRE(f.stub().EndStream(ctx.get(), req, &res).ok());
  for (const auto& e : f.Events("video_ingest.stream_ended")) {
    if (e.aggregate_id() == s.stream_id) return Payload<vpb::StreamEnded>(e);
  }
  FAIL("no StreamEnded for " << s.stream_id);
  return {};
}

}  // namespace

TEST_CASE("thumbnail_url names the live thumbnail once one is recorded, while the stream is live") {
  StreamsFixture f;
  Show s = MakeStream(f, "Thumbs");
  GoLive(f, s);
  vpb::Stream live = Get(f, s);
  REQUIRE(live.status() == cpb::STREAM_STATUS_LIVE);
  CHECK(live.thumbnail_url().empty());

  REQUIRE(f.store().RecordThumbnail(s.stream_id, "", kT0 + absl::Seconds(3)).ok());
  const std::string url = std::string(kPlaybackBase) + "/live/" + s.stream_id + "/thumb.jpg";
  CHECK(Get(f, s).thumbnail_url() == url);
  // Listings carry it too.
  vpb::ListLiveStreamsRequest list;
  vpb::ListLiveStreamsResponse listed;
  auto ctx = Ctx();
  REQUIRE(f.stub().ListLiveStreams(ctx.get(), list, &listed).ok());
  REQUIRE(listed.streams_size() == 1);
  CHECK(listed.streams(0).thumbnail_url() == url);
  // Recording it again (every session's first thumbnail) changes nothing, not even updated_at.
  const std::string updated =
      f.Scalar("SELECT updated_at FROM streams WHERE id = '" + s.stream_id + "'");
  REQUIRE(f.store().RecordThumbnail(s.stream_id, "", kT0 + absl::Seconds(30)).ok());
  CHECK(f.Scalar("SELECT ts_to_us(thumbnail_at) FROM streams WHERE id = '" + s.stream_id + "'") ==
        std::to_string(absl::ToUnixMicros(kT0 + absl::Seconds(3))));
  CHECK(f.Scalar("SELECT updated_at FROM streams WHERE id = '" + s.stream_id + "'") == updated);
  CHECK(Get(f, s).version() == live.version());

  // Ended: the live picture is gone from the API (the recording has its poster).
  vpb::StreamEnded ended = EndAndRead(f, s);
  CHECK(ended.poster_path().empty());  // Never recorded one.
  CHECK(Get(f, s).thumbnail_url().empty());
}

TEST_CASE("the poster is recorded once, kept, and named by StreamEnded") {
  StreamsFixture f;
  Show s = MakeStream(f, "Poster");
  GoLive(f, s);
  const std::string poster = s.stream_id + "/poster.jpg";
  REQUIRE(f.store().RecordThumbnail(s.stream_id, poster, kT0 + absl::Seconds(4)).ok());
  // A later session recording another name cannot replace it.
  REQUIRE(f.store().RecordThumbnail(s.stream_id, s.stream_id + "/other.jpg", kT0).ok());
  CHECK(f.Scalar("SELECT poster_path FROM streams WHERE id = '" + s.stream_id + "'") == poster);
  vpb::StreamEnded ended = EndAndRead(f, s);
  CHECK(ended.poster_path() == poster);
  CHECK(ended.status() == cpb::STREAM_STATUS_ENDED);
}

TEST_CASE("a thumbnail record for no stream or with a poster outside its folder is refused") {
  StreamsFixture f;
  Show s = MakeStream(f, "Bad");
  absl::Status missing = f.store().RecordThumbnail("str_01J9Z3K8W4V6T2M0QXYHB5R7NC", "", kT0);
  CHECK(missing.code() == absl::StatusCode::kNotFound);
  CHECK(shopcast::ReasonOf(missing) == "STREAM_NOT_FOUND");
  for (const std::string& path :
       {std::string("../poster.jpg"), s.stream_id + "/../x/poster.jpg",
        "/" + s.stream_id + "/poster.jpg", std::string("str_01J9Z3K8W4V6T2M0QXYHB5R7NC/poster.jpg"),
        std::string("poster.jpg")}) {
    INFO(path);
    absl::Status st = f.store().RecordThumbnail(s.stream_id, path, kT0);
    CHECK(st.code() == absl::StatusCode::kInvalidArgument);
    CHECK(shopcast::ReasonOf(st) == "POSTER_PATH_INVALID");
  }
  CHECK(f.Scalar("SELECT poster_path FROM streams WHERE id = '" + s.stream_id + "'").empty());
}
