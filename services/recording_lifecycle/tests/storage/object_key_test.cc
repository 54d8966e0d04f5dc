#include "storage/object_key.h"

#include <catch2/catch.hpp>
#include <string>

#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::storage {
namespace {

TEST_CASE("object keys: segment files, clips and posters are valid keys", "[key]") {
  for (const char* key : {"str_01HX/000041.ts", "str_1/index.m3u8", "rec_9/clips/clp_2.mp4", "a",
                          "A-Z_a-z.0-9", "rec_9/poster.jpg", "x/y/z/w"}) {
    INFO(key);
    CHECK(ValidateKey(key).ok());
  }
  CHECK(ValidateKey(std::string(1024, 'a').substr(0, 255)).ok());
}

TEST_CASE("object keys: traversal, absolute paths and odd characters are refused", "[key]") {
  const char* bad[] = {
      "",             // empty
      "/etc/passwd",  // absolute
      "..",           // parent
      "a/../b",       // traversal in the middle
      "a/./b",        // current folder
      ".hidden",      // hidden or temporary names
      "a/.x.tmp-1",   //
      "a//b",         // empty segment
      "a/",           // trailing slash
      "a\\b",         // backslash
      "a b",          // space
      "a?b",          // query characters would change the S3 URL
      "a%2e%2e",      // encoded traversal
      "a#b",          //
      "caf\xc3\xa9",  // non-ASCII
      "a\nb",         // control characters
  };
  for (const char* key : bad) {
    INFO("key: " << key);
    absl::Status s = ValidateKey(key);
    CHECK(absl::IsInvalidArgument(s));
    CHECK(ReasonOf(s) == "OBJECT_KEY_INVALID");
  }
  CHECK_FALSE(ValidateKey(std::string("a\0b", 3)).ok());
  CHECK_FALSE(ValidateKey(std::string(256, 'a')).ok());  // one segment over 255
  std::string long_key;
  while (long_key.size() <= 1024) long_key += "abcdefgh/";
  long_key += "x";
  CHECK_FALSE(ValidateKey(long_key).ok());  // over 1024 bytes in all
}

TEST_CASE("object keys: list prefixes may end in '/' or mid-segment, nothing else", "[key]") {
  for (const char* prefix : {"", "str_1/", "str_1/0000", "str", "rec_9/clips/"}) {
    INFO(prefix);
    CHECK(ValidateKeyPrefix(prefix).ok());
  }
  for (const char* prefix : {"/", "/str", "../", "a/../", "a//", ".", "a/.", "a b/"}) {
    INFO(prefix);
    CHECK(ReasonOf(ValidateKeyPrefix(prefix)) == "OBJECT_KEY_INVALID");
  }
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::storage
