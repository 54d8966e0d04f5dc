#include "page_token.h"

#include <catch2/catch.hpp>

#include "absl/strings/escaping.h"
#include "shopcast/status/status.h"

using namespace shopcast::user;  // NOLINT: test file
using shopcast::pagetoken::Codec;

namespace {

constexpr char kUser[] = "usr_01ARZ3NDEKTSV4RRFFQ69G5FAV";
constexpr char kOther[] = "usr_01BX5ZZKBKACTAV9WEVGEMMVRZ";

const Codec& TestCodec() {
  static const Codec kCodec = Codec::WithRandomKey();
  return kCodec;
}

}  // namespace

TEST_CASE("page sizes: zero means default, out of range is refused") {
  CHECK(EffectivePageSize(0).value() == kDefaultPageSize);
  CHECK(EffectivePageSize(100).value() == 100);
  CHECK(shopcast::ReasonOf(EffectivePageSize(-1).status()) == "PAGE_SIZE_INVALID");
  CHECK(shopcast::ReasonOf(EffectivePageSize(101).status()) == "PAGE_SIZE_INVALID");
  CHECK_FALSE(EffectivePageSize(INT32_MAX).ok());
}

TEST_CASE("a page token round-trips for the list that made it") {
  FollowCursor c{1700000000123456, kOther};
  std::string t = EncodeFollowToken(TestCodec(), FollowDirection::kFollowers, kUser, c);
  auto back = DecodeFollowToken(TestCodec(), t, FollowDirection::kFollowers, kUser);
  REQUIRE(back.ok());
  CHECK(back->created_micros == c.created_micros);
  CHECK(back->user_id == c.user_id);
}

TEST_CASE("a page token from another list, or tampered, is refused") {
  std::string t =
      EncodeFollowToken(TestCodec(), FollowDirection::kFollowers, kUser, FollowCursor{5, kOther});
  auto reason = [](const absl::StatusOr<FollowCursor>& r) {
    return shopcast::ReasonOf(r.status());
  };
  CHECK(reason(DecodeFollowToken(TestCodec(), t, FollowDirection::kFollowing, kUser)) ==
        "PAGE_TOKEN_INVALID");
  CHECK(reason(DecodeFollowToken(TestCodec(), t, FollowDirection::kFollowers, kOther)) ==
        "PAGE_TOKEN_INVALID");
  CHECK_FALSE(DecodeFollowToken(TestCodec(), "!!!", FollowDirection::kFollowers, kUser).ok());
  CHECK_FALSE(
      DecodeFollowToken(TestCodec(), std::string(600, 'A'), FollowDirection::kFollowers, kUser)
          .ok());
  CHECK(DecodeFollowToken(TestCodec(), "", FollowDirection::kFollowers, kUser)
            .value()
            .created_micros == INT64_MAX);
}

TEST_CASE("a forged cursor never reaches the database") {
  // The old, unsigned format with a cursor id that is not UTF-8: PostgreSQL refused it as an
  // INTERNAL error. Without the key it cannot be made at all now.
  const std::string forged =
      absl::WebSafeBase64Escape("v1|fr|" + std::string(kUser) + "|5|\xff\xfe");
  CHECK(shopcast::ReasonOf(
            DecodeFollowToken(TestCodec(), forged, FollowDirection::kFollowers, kUser).status()) ==
        "PAGE_TOKEN_INVALID");
  // Even a correctly sealed cursor (a leaked key) must hold a follow time and a user id.
  for (const FollowCursor& bad : {FollowCursor{5, "\x7f"}, FollowCursor{5, "prd_x"},
                                  FollowCursor{-1, kOther}, FollowCursor{INT64_MIN, kOther}}) {
    std::string t = EncodeFollowToken(TestCodec(), FollowDirection::kFollowers, kUser, bad);
    CHECK(shopcast::ReasonOf(
              DecodeFollowToken(TestCodec(), t, FollowDirection::kFollowers, kUser).status()) ==
          "PAGE_TOKEN_INVALID");
  }
}
