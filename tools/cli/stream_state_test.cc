// When tools/dev keeps its demo stream and when it makes a fresh one (`shopcast stream-usable`).
#include "stream_state.h"

#include <catch2/catch.hpp>

namespace shopcast::cli {
namespace {

namespace cpb = common::v1;
namespace vpb = video_ingest::v1;

const absl::Time kNow = absl::FromUnixSeconds(1900000000);

vpb::Stream WithStatus(cpb::StreamStatus status) {
  vpb::Stream s;
  s.set_id("str_demo");
  s.set_status(status);
  return s;
}

vpb::Stream ReconnectingUntil(absl::Time deadline) {
  vpb::Stream s = WithStatus(cpb::STREAM_STATUS_RECONNECTING);
  s.mutable_reconnect_deadline()->set_seconds(absl::ToUnixSeconds(deadline));
  return s;
}

TEST_CASE("a stream that has not gone live yet, or is live, takes an encoder") {
  CHECK(AcceptsEncoder(WithStatus(cpb::STREAM_STATUS_PREPARING), kNow));
  CHECK(AcceptsEncoder(WithStatus(cpb::STREAM_STATUS_LIVE), kNow));
}

TEST_CASE("an ended or failed stream is over: the demo needs a fresh one") {
  CHECK_FALSE(AcceptsEncoder(WithStatus(cpb::STREAM_STATUS_ENDED), kNow));
  CHECK_FALSE(AcceptsEncoder(WithStatus(cpb::STREAM_STATUS_ERROR), kNow));
  CHECK_FALSE(AcceptsEncoder(WithStatus(cpb::STREAM_STATUS_UNSPECIFIED), kNow));
}

TEST_CASE("a reconnecting stream takes its encoder back until its grace period is over") {
  CHECK(AcceptsEncoder(ReconnectingUntil(kNow + absl::Seconds(30)), kNow));
  // Past the deadline, before the service's sweep has ended it (right after a restart of the
  // dev stack, say): a publish would be refused, so it is over.
  CHECK_FALSE(AcceptsEncoder(ReconnectingUntil(kNow), kNow));
  CHECK_FALSE(AcceptsEncoder(ReconnectingUntil(kNow - absl::Seconds(5)), kNow));
}

}  // namespace
}  // namespace shopcast::cli
