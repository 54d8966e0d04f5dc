#include "shopcast/pagetoken/codec.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <string>

#include "absl/strings/escaping.h"
#include "shopcast/status/status.h"

using shopcast::pagetoken::Codec;
using shopcast::pagetoken::Cursor;

namespace {

const std::string kKey(32, 'k');

Codec Make(const std::string& key = kKey) {
  auto c = Codec::Create(key);
  REQUIRE(c.ok());
  return *std::move(c);
}

std::string ReasonOfDecode(const Codec& codec, const std::string& list, const std::string& t) {
  auto d = codec.Decode(list, t);
  if (d.ok()) return "OK";
  CHECK(d.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(shopcast::FieldOf(d.status()) == "page.page_token");
  return shopcast::ReasonOf(d.status());
}

}  // namespace

TEST_CASE("a token round-trips for the list and key that made it") {
  Codec codec = Make();
  for (const Cursor& c : {Cursor{1700000000123456, "usr_01ARZ3NDEKTSV4RRFFQ69G5FAV"}, Cursor{0, ""},
                          Cursor{std::numeric_limits<int64_t>::min(), "x"},
                          Cursor{std::numeric_limits<int64_t>::max(), "y"}}) {
    std::string t = codec.Encode("followers;usr_A", c);
    auto back = codec.Decode("followers;usr_A", t);
    REQUIRE(back.ok());
    CHECK(back->key == c.key);
    CHECK(back->id == c.id);
    // URL-safe text only.
    CHECK(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          std::string::npos);
  }
}

TEST_CASE("a token is refused for another list, another key, or with any byte changed") {
  Codec codec = Make();
  const std::string t = codec.Encode("live;fashion;", Cursor{42, "str_01ARZ3NDEKTSV4RRFFQ69G5FAV"});
  CHECK(ReasonOfDecode(codec, "live;fashion;", t) == "OK");
  CHECK(ReasonOfDecode(codec, "live;beauty;", t) == "PAGE_TOKEN_INVALID");
  CHECK(ReasonOfDecode(codec, "upcoming;fashion;", t) == "PAGE_TOKEN_INVALID");
  CHECK(ReasonOfDecode(Make(std::string(32, 'o')), "live;fashion;", t) == "PAGE_TOKEN_INVALID");

  std::string raw;
  REQUIRE(absl::WebSafeBase64Unescape(t, &raw));
  for (size_t i = 0; i < raw.size(); ++i) {
    std::string bent = raw;
    bent[i] = static_cast<char>(bent[i] ^ 0x01);
    INFO("byte " << i);
    CHECK(ReasonOfDecode(codec, "live;fashion;", absl::WebSafeBase64Escape(bent)) ==
          "PAGE_TOKEN_INVALID");
  }
}

TEST_CASE("a forged cursor is refused: the old unsigned format, garbage, and oversized tokens") {
  Codec codec = Make();
  // What the old tokens were: base64 of "v1|list|binding|key|id", trivially forged.
  for (const std::string& forged :
       {absl::WebSafeBase64Escape("v1|fr|usr_A|9223372036854775807|\xff\xfe"),
        absl::WebSafeBase64Escape("v1|live|;|-9223372036854775808|x"), std::string("!!!"),
        std::string("AAAA"), std::string(600, 'A'), std::string("a\0b", 3)}) {
    CHECK(ReasonOfDecode(codec, "fr;usr_A", forged) == "PAGE_TOKEN_INVALID");
  }
}

TEST_CASE("keys must be long enough") {
  CHECK(shopcast::ReasonOf(Codec::Create(std::string(31, 'k')).status()) ==
        "PAGE_TOKEN_KEY_INVALID");
  CHECK(Codec::Create(std::string(32, 'k')).ok());
  // Two random codecs do not accept each other's tokens.
  Codec a = Codec::WithRandomKey();
  Codec b = Codec::WithRandomKey();
  CHECK_FALSE(b.Decode("l", a.Encode("l", Cursor{1, "i"})).ok());
}
