// GrpcFollowerSource against a real user service: its internal listener, mutual TLS with dev
// service certificates, and its own PostgreSQL database.
#include <algorithm>
#include <catch2/catch.hpp>

#include "clients/user_followers.h"
#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/clients/internal.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/temp_dir.h"
#include "user_fixture.h"

namespace shopcast::realtime_push {
namespace {

using user::testing::UserServiceFixture;

struct Env {
  shopcast::testing::TempDir dir;
  auth::testing::DevPki pki{dir.File("pki"), {"user", "realtime-push"}};
  UserServiceFixture f{user::AccountsOptions{}, pki.Of("user")};

  // A channel as realtime-push makes it, to `target` (the user service's by default).
  std::shared_ptr<grpc::Channel> Channel(std::string target = "") {
    if (target.empty()) target = "127.0.0.1:" + std::to_string(f.internal_grpc_port());
    auto channel = shopcast::clients::MakeInternalChannel("user", target, pki.Of("realtime-push"));
    REQUIRE(channel.ok());
    return *channel;
  }
};

}  // namespace

TEST_CASE("GrpcFollowerSource pages through every follower with their preferences") {
  Env env;
  const std::string host = env.f.MakeUser("host");
  std::vector<std::string> fans = env.f.MakeFollowers(host, 1203);
  std::sort(fans.begin(), fans.end());
  // One follower turned go-live notifications off.
  user::PreferencesUpdate off;
  off.followed_host_live = false;
  REQUIRE(env.f.store().UpdatePreferences(fans[700], off).ok());

  GrpcFollowerSource source(env.Channel());
  std::vector<Follower> seen;
  std::string after;
  int pages = 0;
  do {
    absl::StatusOr<FollowerPage> page = source.Page(host, after, 500);
    INFO(page.status().ToString());
    REQUIRE(page.ok());
    ++pages;
    for (Follower& f : page->followers) seen.push_back(std::move(f));
    after = page->next_after_user_id;
  } while (!after.empty());
  CHECK(pages == 3);
  REQUIRE(seen.size() == fans.size());
  for (size_t i = 0; i < fans.size(); ++i) {
    INFO(i);
    CHECK(seen[i].user_id == fans[i]);
    CHECK(seen[i].followed_host_live == (i != 700));
  }
  CHECK(seen[0].display_name == "Fan " + fans[0]);
  CHECK(seen[0].email.find("@example.com") != std::string::npos);
  CHECK(seen[0].outbid);
  CHECK(seen[0].order_updates);
  CHECK_FALSE(seen[0].marketing);

  // An unknown host has no followers.
  absl::StatusOr<FollowerPage> none = source.Page("usr_7ZZZZZZZZZZZZZZZZZZZZZZZZZ", "", 0);
  REQUIRE(none.ok());
  CHECK(none->followers.empty());
  CHECK(none->next_after_user_id.empty());
}

TEST_CASE("GrpcFollowerSource keeps the user service's code and reason") {
  Env env;
  const std::string host = env.f.MakeUser("host");
  GrpcFollowerSource source(env.Channel());
  absl::StatusOr<FollowerPage> bad = source.Page(host, "", 1001);
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReasonOf(bad.status()) == "LIMIT_INVALID");
  bad = source.Page("not-an-id", "", 0);
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReasonOf(bad.status()) == "USER_ID_INVALID");
}

TEST_CASE("GrpcFollowerSource bounds every call and reports an absent peer as unavailable") {
  Env env;
  const std::string host = env.f.MakeUser("host");
  // A deadline already past when the call starts: the call never waits.
  GrpcFollowerSource hasty(env.Channel(), absl::Nanoseconds(1));
  absl::StatusOr<FollowerPage> late = hasty.Page(host, "", 0);
  CHECK(late.status().code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(ReasonOf(late.status()) == "PEER_DEADLINE_EXCEEDED");

  // Nothing listens on a socket path that does not exist.
  GrpcFollowerSource nowhere(env.Channel("unix:" + env.dir.File("absent.sock")), absl::Seconds(20));
  absl::StatusOr<FollowerPage> down = nowhere.Page(host, "", 0);
  CHECK(down.status().code() == absl::StatusCode::kUnavailable);
  CHECK(ReasonOf(down.status()) == "PEER_UNAVAILABLE");
}

}  // namespace shopcast::realtime_push
