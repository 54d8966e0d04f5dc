// The binary as an operator runs it: what it tells the logs when a peer is down.

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "ingest_fixture.h"
#include "shopcast/testing/wait.h"

namespace shopcast::video_ingest::e2e {
namespace {

TEST_CASE("An event that cannot be delivered is logged for the operator, and retried") {
  // The realtime-push address takes no connections: every delivery fails.
  ServerOptions options;
  options.extra_env = {"SHOPCAST_VIDEO_INGEST_EVENT_SINKS=realtime_push=127.0.0.1:1"};
  IngestServer server(options);
  CreatedStream stream = server.CreateStream();
  REQUIRE(testing::WaitUntil(
      [&] {
        const std::string log = server.log();
        const size_t first = log.find("outbox_delivery_failed");
        // Retried: a second failure follows the first.
        return first != std::string::npos &&
               log.find("outbox_delivery_failed", first + 1) != std::string::npos;
      },
      absl::Seconds(30)));
  CHECK(absl::StrContains(server.log(), "\"code\":\"UNAVAILABLE\""));
  // The event waits in the outbox, undelivered.
  bool created = false;
  for (const auto& e : server.Events(stream.id)) {
    if (e.type() == "video_ingest.stream_created") created = true;
  }
  CHECK(created);
}

}  // namespace
}  // namespace shopcast::video_ingest::e2e
