// Page tokens are opaque, round-trip, and only work for the list and filters that made them.
#include "streams/page_token.h"

#include <catch2/catch.hpp>

#include "shopcast/status/status.h"

using namespace shopcast::video_ingest::streams;  // NOLINT: test file
using shopcast::ReasonOf;

TEST_CASE("a token round-trips its cursor") {
  std::string token = EncodePageToken("live", "shoes;", PageCursor{false, 1234567, "str_X"});
  auto c = DecodePageToken(token, "live", "shoes;");
  REQUIRE(c.ok());
  CHECK_FALSE(c->first);
  CHECK(c->key == 1234567);
  CHECK(c->id == "str_X");
  CHECK(DecodePageToken("", "live", "shoes;")->first);
}

TEST_CASE("a token from another list, other filters, or forged is refused") {
  std::string token = EncodePageToken("live", "shoes;", PageCursor{false, 1, "str_X"});
  CHECK(ReasonOf(DecodePageToken(token, "upcoming", "shoes;").status()) == "PAGE_TOKEN_INVALID");
  CHECK(ReasonOf(DecodePageToken(token, "live", "hats;").status()) == "PAGE_TOKEN_INVALID");
  for (const std::string& bad :
       {std::string("not-a-token!"), std::string(600, 'A'), std::string("djF8bGl2ZXw")}) {
    CHECK(ReasonOf(DecodePageToken(bad, "live", "shoes;").status()) == "PAGE_TOKEN_INVALID");
  }
}
