#include "shopcast/text/lookalike.h"

#include <catch2/catch.hpp>
#include <string>

using shopcast::text::LookalikeKey;

TEST_CASE("look-alikes of a name share its key") {
  const std::string key = LookalikeKey("demo_admin");
  REQUIRE(!key.empty());
  for (const char* same : {
           "demo_admin", "DEMO_ADMIN", "Demo Admin", "demo.admin", "demo-admin", "demoadmin",
           "d\xd0\xb5m\xd0\xbe_\xd0\xb0"
           "dmin",                                                    // Cyrillic е, о, а
           "\xef\xbd\x84\xef\xbd\x85\xef\xbd\x8d\xef\xbd\x8f_admin",  // full-width "demo"
           "demo\xe2\x80\x8b_admin",                                  // a zero-width space inside
           "demo_adrnin",                                             // "rn" reads as "m"
       }) {
    INFO(same);
    CHECK(LookalikeKey(same) == key);
  }
}

TEST_CASE("different names keep different keys") {
  CHECK(LookalikeKey("demo_admin") != LookalikeKey("demo_host"));
  CHECK(LookalikeKey("alice") != LookalikeKey("alicia"));
  CHECK(LookalikeKey("fan2") != LookalikeKey("fan3"));
}

TEST_CASE("paypal and paypa1 are the same name to a reader") {
  CHECK(LookalikeKey("paypal") == LookalikeKey("paypa1"));
  CHECK(LookalikeKey("paypal") == LookalikeKey("PAYPAL"));
  CHECK(LookalikeKey("demo_admin") == LookalikeKey("dem0_admin"));
}

TEST_CASE("invalid UTF-8 has no key") { CHECK(LookalikeKey("bad \xff").empty()); }

bool ReadsAs(const std::string& text, const std::string& name) {
  for (const std::string& k : shopcast::text::LookalikeKeys(text)) {
    if (k == LookalikeKey(name)) return true;
  }
  return false;
}

TEST_CASE("a capital I reads as l or as i, so a name has every reading among its keys") {
  CHECK(ReadsAs("paypaI", "paypal"));
  CHECK(ReadsAs("PAYPAI", "paypal"));
  CHECK(ReadsAs("DEMO_ADMIN", "demo_admin"));
  CHECK(shopcast::text::LookalikeKeys("demo_admin").size() == 1);  // a username: one key
  CHECK(shopcast::text::LookalikeKeys("bad \xff").empty());
}
