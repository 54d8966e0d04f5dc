#include "shopcast/signed_token/signed_token.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "absl/strings/escaping.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::signed_token {
namespace {

const std::string kSecret = "0123456789abcdef0123456789abcdef";

Signer Make(const std::string& secret = kSecret) {
  std::optional<Signer> s = Signer::FromSecret(secret);
  REQUIRE(s.has_value());
  return *s;
}

TEST_CASE("signed_token: a token opens to its body with the same secret and covered parts") {
  const Signer a = Make(), b = Make();
  const std::string token = a.Sign({"domain"}, "the body");
  std::string body;
  CHECK(b.Open({"domain"}, token, 256, 1, &body) == Problem::kNone);
  CHECK(body == "the body");
  // URL-safe, unpadded: it travels as a query value.
  CHECK(token.find_first_of("+/=") == std::string::npos);
}

TEST_CASE("signed_token: another secret, domain or list, or any bit changed, is forged") {
  const Signer a = Make();
  const std::string token = a.Sign({"domain", "list"}, "the body");
  std::string body;
  CHECK(Make("another secret, also long enough!").Open({"domain", "list"}, token, 256, 1, &body) ==
        Problem::kForged);
  CHECK(a.Open({"other", "list"}, token, 256, 1, &body) == Problem::kForged);
  CHECK(a.Open({"domain", "lisx"}, token, 256, 1, &body) == Problem::kForged);
  std::string raw;
  REQUIRE(absl::WebSafeBase64Unescape(token, &raw));
  for (size_t i = 0; i < raw.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string altered = raw;
      altered[i] = static_cast<char>(altered[i] ^ (1 << bit));
      INFO("byte " << i << " bit " << bit);
      CHECK(a.Open({"domain", "list"}, absl::WebSafeBase64Escape(altered), 256, 1, &body) ==
            Problem::kForged);
    }
  }
}

TEST_CASE("signed_token: oversized, empty, non-canonical or short input is malformed") {
  const Signer a = Make();
  const std::string token = a.Sign({"d"}, "body");
  std::string body;
  CHECK(a.Open({"d"}, "", 256, 1, &body) == Problem::kMalformed);
  CHECK(a.Open({"d"}, token, token.size() - 1, 1, &body) == Problem::kMalformed);
  CHECK(a.Open({"d"}, token + "=", 256, 1, &body) == Problem::kMalformed);
  CHECK(a.Open({"d"}, token + "A", 256, 1, &body) == Problem::kMalformed);
  CHECK(a.Open({"d"}, "!" + token.substr(1), 256, 1, &body) == Problem::kMalformed);
  // More body than the token holds.
  CHECK(a.Open({"d"}, token, 256, 5, &body) == Problem::kMalformed);
  // A MAC alone, with no body.
  CHECK(a.Open({"d"}, a.Sign({"d"}, ""), 256, 0, &body) == Problem::kMalformed);
  // The same bytes spelled with other unused low bits in the last character.
  std::string raw;
  REQUIRE(absl::WebSafeBase64Unescape(token, &raw));
  if (raw.size() % 3 != 0) {
    std::string respelled = token;
    char& last = respelled.back();
    last = static_cast<char>(last == 'A' ? 'B' : last ^ 1);
    std::string same;
    if (absl::WebSafeBase64Unescape(respelled, &same) && same == raw) {
      CHECK(a.Open({"d"}, respelled, 256, 1, &body) == Problem::kMalformed);
    }
  }
}

TEST_CASE("signed_token: a short secret is refused, a random one works alone") {
  CHECK_FALSE(Signer::FromSecret("too short").has_value());
  const Signer r = Signer::WithRandomSecret();
  std::string body;
  CHECK(r.Open({}, r.Sign({}, "x"), 256, 1, &body) == Problem::kNone);
  CHECK(Make().Open({}, r.Sign({}, "x"), 256, 1, &body) == Problem::kForged);
}

TEST_CASE("signed_token: a secret file is read less trailing whitespace, its content never shown") {
  shopcast::testing::TempDir dir;
  std::ofstream(dir.File("a.key")) << kSecret << "\n";
  absl::StatusOr<std::string> read = ReadSecretFile(dir.File("a.key"), "test");
  REQUIRE(read.ok());
  CHECK(*read == kSecret);
  absl::StatusOr<std::string> missing = ReadSecretFile(dir.File("absent.key"), "test");
  CHECK(ReasonOf(missing.status()) == "KEY_FILE_UNREADABLE");
  CHECK(std::string(missing.status().message()).find("test key file") != std::string::npos);
}

TEST_CASE("signed_token: fixed-width integers and ids") {
  std::string out;
  AppendU64(0x0102030405060708ULL, &out);
  CHECK(out == std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  CHECK(ReadU64(out) == 0x0102030405060708ULL);
  CHECK(IsTokenId("str_abc", 64));
  CHECK_FALSE(IsTokenId("", 64));
  CHECK_FALSE(IsTokenId("has space", 64));
  CHECK_FALSE(IsTokenId(std::string(65, 'a'), 64));
}

}  // namespace
}  // namespace shopcast::signed_token
