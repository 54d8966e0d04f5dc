#include "ws/compact_time.h"

#include <algorithm>
#include <catch2/catch.hpp>

namespace shopcast::gateway::ws {
namespace {

TEST_CASE("a compact time keeps instants to the nanosecond and the infinities as such",
          "[compact_time]") {
  const absl::Time t = absl::FromUnixNanos(1'764'900'000'123'456'789);
  CHECK(CompactTime(t).get() == t);
  CHECK(CompactTime(absl::InfiniteFuture()).get() == absl::InfiniteFuture());
  CHECK(CompactTime(absl::InfinitePast()).get() == absl::InfinitePast());
  CHECK(CompactTime().get() == absl::InfinitePast());
  // Deadlines compare and add as absl::Time does.
  const CompactTime deadline = t + absl::Seconds(20);
  CHECK(t < deadline);
  CHECK(std::min(deadline.get(), CompactTime(absl::InfiniteFuture()).get()) == deadline.get());
  CHECK(sizeof(CompactTime) == 8);
}

}  // namespace
}  // namespace shopcast::gateway::ws
