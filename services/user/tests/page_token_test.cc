#include "page_token.h"

#include <catch2/catch.hpp>

#include "shopcast/status/status.h"

using namespace shopcast::user;  // NOLINT: test file

TEST_CASE("page sizes: zero means default, out of range is refused") {
  CHECK(EffectivePageSize(0).value() == kDefaultPageSize);
  CHECK(EffectivePageSize(100).value() == 100);
  CHECK(shopcast::ReasonOf(EffectivePageSize(-1).status()) == "PAGE_SIZE_INVALID");
  CHECK(shopcast::ReasonOf(EffectivePageSize(101).status()) == "PAGE_SIZE_INVALID");
  CHECK_FALSE(EffectivePageSize(INT32_MAX).ok());
}

TEST_CASE("a page token round-trips for the list that made it") {
  FollowCursor c{1700000000123456, "usr_01ARZ3NDEKTSV4RRFFQ69G5FAV"};
  std::string t = EncodeFollowToken(FollowDirection::kFollowers, "usr_A", c);
  auto back = DecodeFollowToken(t, FollowDirection::kFollowers, "usr_A");
  REQUIRE(back.ok());
  CHECK(back->created_micros == c.created_micros);
  CHECK(back->user_id == c.user_id);
}

TEST_CASE("a page token from another list, or tampered, is refused") {
  std::string t = EncodeFollowToken(FollowDirection::kFollowers, "usr_A", FollowCursor{5, "x"});
  CHECK_FALSE(DecodeFollowToken(t, FollowDirection::kFollowing, "usr_A").ok());
  CHECK_FALSE(DecodeFollowToken(t, FollowDirection::kFollowers, "usr_B").ok());
  CHECK_FALSE(DecodeFollowToken("!!!", FollowDirection::kFollowers, "usr_A").ok());
  CHECK_FALSE(DecodeFollowToken(std::string(600, 'A'), FollowDirection::kFollowers, "usr_A").ok());
  CHECK(DecodeFollowToken("", FollowDirection::kFollowers, "usr_A").value().created_micros ==
        INT64_MAX);
}
