// Go-live notifications through the whole App: a stream's first going live notifies each of its
// host's opted-in followers exactly once, whether the event is delivered twice, several replicas
// run the fan-out, or a replica stops halfway and another one finishes.
#include <algorithm>
#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "notify/notify_pg_support.h"
#include "shopcast/ids/ids.h"
#include "shopcast/testing/wait.h"

using namespace shopcast::realtime_push::testing;  // NOLINT: test file
namespace pb = shopcast::realtime_push::v1;
using shopcast::realtime_push::AppOverrides;
using shopcast::realtime_push::Config;
using shopcast::realtime_push::Follower;

namespace {

// Entries of the stream's go-live, and distinct recipients.
std::pair<int64_t, int64_t> Entries(RoomsFixture& f, const std::string& stream) {
  const std::string where =
      absl::StrCat("FROM notifications WHERE dedupe_key = 'live:", stream, "'");
  return {Count(f.pool(), "SELECT count(*) " + where),
          Count(f.pool(), "SELECT count(DISTINCT user_id) " + where)};
}

int64_t Wanted(const std::vector<Follower>& followers) {
  int64_t n = 0;
  for (const auto& x : followers) n += x.followed_host_live ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("go-live: every opted-in follower once despite a redelivery and two replicas") {
  RoomsFixture f;
  const std::vector<Follower> list = MakeFollowers(1203);
  FixedFollowers followers(list);
  auto edit = [](Config& c) { c.follower_page_size = 100; };
  auto& a = f.AddReplica(edit, AppOverrides{&followers, nullptr});
  f.AddReplica(edit, AppOverrides{&followers, nullptr});
  auto stub = a.PublicStub();
  // A follower watching their inbox sees it arrive.
  const Follower& watcher = list[1];
  REQUIRE(watcher.followed_host_live);
  InboxSubscriber sub(*stub, f.TokenFor(watcher.user_id));

  const std::string stream = GoLive(a, f.Peer(), "usr_host", "Spring sale", /*times=*/2);
  const int64_t wanted = Wanted(list);
  REQUIRE(wanted == 1082);
  REQUIRE(shopcast::testing::WaitUntil([&] { return Entries(f, stream).first >= wanted; },
                                       absl::Seconds(60)));
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        return Count(f.pool(), "SELECT count(*) FROM notification_fanouts WHERE done_at IS NULL") ==
               0;
      },
      absl::Seconds(30)));
  REQUIRE(Entries(f, stream) == std::make_pair(wanted, wanted));
  // Nobody who opted out.
  for (const Follower& x : list) {
    if (x.followed_host_live) continue;
    REQUIRE(Count(f.pool(), absl::StrCat("SELECT count(*) FROM notifications WHERE user_id = '",
                                         x.user_id, "'")) == 0);
  }
  REQUIRE(sub.WaitForNotifications(1));
  const pb::Notification got = sub.Notifications()[0];
  REQUIRE(got.kind() == pb::NOTIFICATION_KIND_FOLLOWED_HOST_LIVE);
  REQUIRE(got.link() == "/live/" + stream);
  REQUIRE(got.stream_id() == stream);
  REQUIRE(got.title() == "Live now: Spring sale");
}

TEST_CASE("go-live: a replica stopped halfway leaves the rest to another and none get two") {
  RoomsFixture f;
  const std::vector<Follower> list = MakeFollowers(1203);
  FixedFollowers followers(list);
  const std::string stream = [&] {
    // Pages of 100; the 4th read fails, so the first replica stops with 300 followers done.
    followers.FailFromPage(4);
    auto& a = f.AddReplica([](Config& c) { c.follower_page_size = 100; },
                           AppOverrides{&followers, nullptr});
    std::string id = GoLive(a, f.Peer(), "usr_host", "Half");
    REQUIRE(shopcast::testing::WaitUntil(
        [&] {
          return Count(f.pool(), "SELECT count(*) FROM notification_fanouts WHERE failures > 0") ==
                 1;
        },
        absl::Seconds(30)));
    a.app().Stop();
    followers.FailFromPage(0);
    return id;
  }();
  const auto halfway = Entries(f, stream);
  REQUIRE(halfway.first == halfway.second);
  const int64_t wanted = Wanted(list);
  std::vector<Follower> sorted = list;
  std::sort(sorted.begin(), sorted.end(),
            [](const Follower& x, const Follower& y) { return x.user_id < y.user_id; });
  REQUIRE(halfway.first == Wanted({sorted.begin(), sorted.begin() + 300}));  // 3 pages
  REQUIRE(Count(f.pool(), "SELECT batches FROM notification_fanouts") == 3);
  // The job waits out its backoff; let another replica take it now.
  REQUIRE(Count(f.pool(),
                "WITH moved AS (UPDATE notification_fanouts SET next_attempt_at = "
                "now() RETURNING 1) SELECT count(*) FROM moved") == 1);
  f.AddReplica([](Config& c) { c.follower_page_size = 100; }, AppOverrides{&followers, nullptr});
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        return Count(f.pool(), "SELECT count(*) FROM notification_fanouts WHERE done_at IS NULL") ==
               0;
      },
      absl::Seconds(60)));
  REQUIRE(Entries(f, stream) == std::make_pair(wanted, wanted));
}
