// Page tokens are opaque, round-trip, only work for the list and filters that made them, and
// cannot be forged: every decoded cursor is one the database accepts.
#include "streams/page_token.h"

#include <catch2/catch.hpp>
#include <cstdint>

#include "absl/strings/escaping.h"
#include "shopcast/status/status.h"

using namespace shopcast::video_ingest::streams;  // NOLINT: test file
using shopcast::ReasonOf;
using shopcast::pagetoken::Codec;

namespace {

constexpr char kStream[] = "str_01ARZ3NDEKTSV4RRFFQ69G5FAV";

const Codec& TestCodec() {
  static const Codec kCodec = Codec::WithRandomKey();
  return kCodec;
}

std::string Outcome(const std::string& token, const std::string& list, const std::string& binding,
                    CursorKind kind = CursorKind::kStreamTime) {
  auto c = DecodePageToken(TestCodec(), token, list, binding, kind);
  return c.ok() ? "OK" : ReasonOf(c.status());
}

}  // namespace

TEST_CASE("a token round-trips its cursor") {
  std::string token =
      EncodePageToken(TestCodec(), "live", "shoes;", PageCursor{false, 1234567, kStream});
  auto c = DecodePageToken(TestCodec(), token, "live", "shoes;", CursorKind::kStreamTime);
  REQUIRE(c.ok());
  CHECK_FALSE(c->first);
  CHECK(c->key == 1234567);
  CHECK(c->id == kStream);
  CHECK(DecodePageToken(TestCodec(), "", "live", "shoes;", CursorKind::kStreamTime)->first);
  std::string seg = EncodePageToken(TestCodec(), "segments", "s;0", PageCursor{false, 42, ""});
  CHECK(Outcome(seg, "segments", "s;0", CursorKind::kSegmentSequence) == "OK");
}

TEST_CASE("a token from another list, other filters, or forged is refused") {
  std::string token = EncodePageToken(TestCodec(), "live", "shoes;", PageCursor{false, 1, kStream});
  CHECK(Outcome(token, "upcoming", "shoes;") == "PAGE_TOKEN_INVALID");
  CHECK(Outcome(token, "live", "hats;") == "PAGE_TOKEN_INVALID");
  for (const std::string& bad :
       {std::string("not-a-token!"), std::string(600, 'A'), std::string("djF8bGl2ZXw"),
        // The old unsigned format, with cursors PostgreSQL refused as INTERNAL errors.
        absl::WebSafeBase64Escape("v1|live|shoes;|9223372036854775807|str_X"),
        absl::WebSafeBase64Escape("v1|live|shoes;|-9223372036854775808|str_X"),
        absl::WebSafeBase64Escape("v1|live|shoes;|5|\xff\xfe")}) {
    CHECK(Outcome(bad, "live", "shoes;") == "PAGE_TOKEN_INVALID");
  }
}

TEST_CASE("even a sealed cursor must be one the database can take") {
  // What a leaked key could make: times outside PostgreSQL's range, ids that are not ids.
  for (const PageCursor& bad :
       {PageCursor{false, INT64_MAX, kStream}, PageCursor{false, INT64_MIN, kStream},
        PageCursor{false, 5, "str_X"}, PageCursor{false, 5, ""}, PageCursor{false, 5, "\x7f"}}) {
    INFO(bad.key << " " << bad.id);
    CHECK(Outcome(EncodePageToken(TestCodec(), "live", ";", bad), "live", ";") ==
          "PAGE_TOKEN_INVALID");
  }
  for (const PageCursor& bad : {PageCursor{false, -1, ""}, PageCursor{false, 5, kStream}}) {
    CHECK(Outcome(EncodePageToken(TestCodec(), "segments", "s;0", bad), "segments", "s;0",
                  CursorKind::kSegmentSequence) == "PAGE_TOKEN_INVALID");
  }
}
