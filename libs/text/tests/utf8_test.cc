#include "shopcast/text/utf8.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using shopcast::text::CodePointCount;
using shopcast::text::ForEachCodePoint;
using shopcast::text::IsControl;

TEST_CASE("valid UTF-8 is walked code point by code point") {
  std::vector<uint32_t> cps;
  REQUIRE(ForEachCodePoint("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x9b\x8d",
                           [&](uint32_t cp) { cps.push_back(cp); }));
  CHECK(cps == std::vector<uint32_t>{'a', 0xe9, 0x20ac, 0x1f6cd});
  CHECK(CodePointCount("Flash sale \xf0\x9f\x94\xa5") == 12);
  CHECK(CodePointCount("") == 0);
}

TEST_CASE("malformed UTF-8 is refused") {
  for (std::string bad : {std::string("\xc3"), std::string("\xc0\xaf"),  // truncated, overlong
                          std::string("\xed\xa0\x80"),                   // surrogate
                          std::string("\xf4\x90\x80\x80"),               // above U+10FFFF
                          std::string("\xff"), std::string("a\x80")}) {
    INFO(bad.size());
    CHECK(CodePointCount(bad) == -1);
  }
}

TEST_CASE("control characters are C0, DEL and C1") {
  CHECK(IsControl('\n'));
  CHECK(IsControl(0x7f));
  CHECK(IsControl(0x85));
  CHECK(!IsControl(' '));
  CHECK(!IsControl(0xa0));
}
