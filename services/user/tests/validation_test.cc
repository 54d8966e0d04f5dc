#include "validation.h"

#include <catch2/catch.hpp>

#include "shopcast/status/status.h"

using namespace shopcast::user;  // NOLINT: test file

namespace {
std::string Reason(const absl::Status& s) { return shopcast::ReasonOf(s); }
}  // namespace

TEST_CASE("usernames are lower-cased and held to the character rules") {
  CHECK(NormalizeUsername("Alice_01").value() == "alice_01");
  CHECK(NormalizeUsername("a.b.c").value() == "a.b.c");
  for (const char* bad : {"", "ab", "1alice", "_alice", "al ice", "alice!", "al..ice", "alice.",
                          "ålice", "alice'--", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}) {
    INFO(bad);
    auto r = NormalizeUsername(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(Reason(r.status()) == "USERNAME_INVALID");
    CHECK(shopcast::FieldOf(r.status()) == "username");
  }
}

TEST_CASE("emails are lower-cased and must look deliverable") {
  CHECK(NormalizeEmail("Bob.Smith+live@Example.COM").value() == "bob.smith+live@example.com");
  for (const char* bad : {"", "bob", "bob@", "@example.com", "bob@example", "bob@@example.com",
                          "bob smith@example.com", "bob@-example.com", "bob@exa_mple.com",
                          "bob@example..com", "b\"ob@example.com"}) {
    INFO(bad);
    CHECK(Reason(NormalizeEmail(bad).status()) == "EMAIL_INVALID");
  }
  CHECK_FALSE(NormalizeEmail(std::string(250, 'a') + "@x.io").ok());
}

TEST_CASE("passwords: length over composition, no username, no common ones") {
  CHECK(CheckPassword("correct horse battery", "alice").ok());
  CHECK(CheckPassword("ünïcödé-pässwörd", "alice").ok());
  CHECK(Reason(CheckPassword("short", "alice")) == "PASSWORD_TOO_SHORT");
  // 11 characters but 22 bytes: length counts characters, not bytes.
  CHECK(Reason(CheckPassword("ääääääääääb", "alice")) == "PASSWORD_TOO_SHORT");
  CHECK(Reason(CheckPassword(std::string(129, 'x') + "y", "alice")) == "PASSWORD_TOO_LONG");
  CHECK(Reason(CheckPassword("my-alice-password", "alice")) == "WEAK_PASSWORD");
  CHECK(Reason(CheckPassword("Password1234", "alice")) == "WEAK_PASSWORD");
  CHECK(Reason(CheckPassword("aaaaaaaaaaaaaaa", "bob")) == "WEAK_PASSWORD");
  CHECK(Reason(CheckPassword("valid-prefix\xff\xfe-tail", "bob")) == "PASSWORD_INVALID");
}

TEST_CASE("UTF-8 decoding rejects overlongs, surrogates and truncation") {
  CHECK(Utf8Length("héllo") == 5);
  CHECK(Utf8Length("\xc0\xaf") == -1);          // overlong '/'
  CHECK(Utf8Length("\xed\xa0\x80") == -1);      // UTF-16 surrogate
  CHECK(Utf8Length("\xe2\x82") == -1);          // truncated
  CHECK(Utf8Length("\xf4\x90\x80\x80") == -1);  // above U+10FFFF
  CHECK(Utf8Length("😀") == 1);
}

TEST_CASE("display names, bios and avatar URLs") {
  CHECK(NormalizeDisplayName("  Chef Ana 🍳 ").value() == "Chef Ana 🍳");
  CHECK_FALSE(NormalizeDisplayName("").ok());
  CHECK_FALSE(NormalizeDisplayName("   ").ok());
  CHECK_FALSE(NormalizeDisplayName("tab\there").ok());
  CHECK_FALSE(NormalizeDisplayName(std::string(51, 'x')).ok());
  CHECK(CheckBio("line one\nline two").ok());
  CHECK_FALSE(CheckBio("bell\a").ok());
  CHECK_FALSE(CheckBio(std::string(501, 'x')).ok());
  CHECK(CheckAvatarUrl("").ok());
  CHECK(CheckAvatarUrl("https://cdn.example.com/a.png").ok());
  CHECK(Reason(CheckAvatarUrl("http://cdn.example.com/a.png")) == "AVATAR_URL_INVALID");
  CHECK_FALSE(CheckAvatarUrl("https://x.io/a b.png").ok());
  CHECK_FALSE(CheckAvatarUrl("javascript:alert(1)").ok());
}

TEST_CASE("staff names are recognised in any spelling, and lookups of them still work") {
  for (const char* staff : {"admin", "Admin", "ADMIN",
                            "\xd0\x90"
                            "dmin",
                            "ShopCast", "sh0pcast", "Support", "S u p p o r t", "trust-and-safety",
                            "r\xd0\xbe\xd0\xbet"}) {
    INFO(staff);
    CHECK(IsReservedName(staff));
  }
  for (const char* fine : {"demo_admin", "root_admin", "first_admin", "Chef Ana", "supporter"}) {
    INFO(fine);
    CHECK_FALSE(IsReservedName(fine));
  }
  // Only registration refuses them: an existing "admin" account can still be looked up.
  CHECK(NormalizeUsername("admin").value() == "admin");
  CHECK(Reason(NormalizeDisplayName("Admin").status()) == "DISPLAY_NAME_RESERVED");
}

TEST_CASE("display names: no bidi controls, not only invisible characters") {
  for (const char* bad :
       {"evil\xe2\x80\xae"
        "nimda",
        "\xe2\x80\x8b\xe2\x80\x8b", "\xc2\xa0\xc2\xa0", "\xe3\x85\xa4", "\xe2\x81\xa6x"}) {
    INFO(bad);
    CHECK(Reason(NormalizeDisplayName(bad).status()) == "DISPLAY_NAME_INVALID");
  }
  CHECK(Reason(CheckBio("fine\n\xe2\x80\xae"
                        "txet")) == "BIO_INVALID");
  CHECK(CheckBio("").ok());
}
