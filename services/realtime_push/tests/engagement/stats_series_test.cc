// The per-minute series: one point per minute of the room's life, quiet minutes carrying the
// viewers of the last change, reactions and chat counted in their minute.
#include "engagement/stats_series.h"

#include <catch2/catch.hpp>

namespace e = shopcast::realtime_push::engagement;

namespace {
const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000 / 60 * 60);  // a minute start
absl::Time At(int minute, int second = 0) {
  return kT0 + absl::Minutes(minute) + absl::Seconds(second);
}
}  // namespace

TEST_CASE("BuildSeries fills every minute and carries viewers through quiet ones") {
  std::vector<e::MinuteRow> rows = {
      {At(0), 3, 2, 5, 1},
      {At(2), 4, 4, 0, 0},
  };
  std::vector<absl::Time> chat = {At(0, 1), At(1, 59), At(1, 0), At(3, 30), At(9)};
  auto points = e::BuildSeries(At(0, 20), At(3, 10), 1, rows, chat);
  REQUIRE(points.size() == 4);
  CHECK(points[0].minute == At(0));
  CHECK(points[0].viewers == 3);
  CHECK(points[0].likes == 5);
  CHECK(points[0].dislikes == 1);
  CHECK(points[0].chat_messages == 1);
  CHECK(points[1].viewers == 2);  // carried
  CHECK(points[1].likes == 0);
  CHECK(points[1].chat_messages == 2);
  CHECK(points[2].viewers == 4);
  CHECK(points[3].viewers == 4);
  CHECK(points[3].chat_messages == 1);  // the one at 9 min is after the range
}

TEST_CASE("BuildSeries starts from the viewers before its window and bounds its length") {
  auto points = e::BuildSeries(At(5), At(6), 7, {}, {});
  REQUIRE(points.size() == 2);
  CHECK(points[0].viewers == 7);
  CHECK(points[1].viewers == 7);
  CHECK(e::BuildSeries(At(6), At(5), 0, {}, {}).empty());
  CHECK(e::SeriesStart(At(0), At(10, 30)) == At(0));
  CHECK(e::SeriesStart(At(0), At(3000)) == At(3000 - e::kMaxSeriesMinutes + 1));
  CHECK(e::FloorMinute(At(4, 59)) == At(4));
}
