#include "shopcast/auth/tokens.h"

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "shopcast/auth/keys.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"

namespace auth = shopcast::auth;
using Json = nlohmann::json;

namespace {

constexpr char kIssuer[] = "shopcast-user";
constexpr char kAudience[] = "shopcast";
const absl::Time kNow = absl::FromUnixSeconds(1'750'000'000);
const absl::Duration kTtl = absl::Minutes(15);

auth::SigningKey NewKey(const std::string& kid) {
  absl::StatusOr<auth::SigningKey> key = auth::GenerateSigningKey(kid);
  REQUIRE(key.ok());
  return *key;
}

// One key shared by the tests: P-256 generation is cheap but there is no need to repeat it.
const auth::SigningKey& TestKey() {
  static const auth::SigningKey kKey = NewKey("k1");
  return kKey;
}

auth::TokenIssuer Issuer(const auth::SigningKey& key = TestKey()) {
  return auth::TokenIssuer(key, kIssuer, kAudience, kTtl);
}
auth::TokenVerifier Verifier(const auth::SigningKey& key = TestKey()) {
  return auth::TokenVerifier({auth::PublicKeyOf(key)}, kIssuer, kAudience);
}

std::string IssueAt(absl::Time at, auth::Role role = auth::Role::kHost,
                    const auth::SigningKey& key = TestKey()) {
  absl::StatusOr<auth::IssuedToken> t = Issuer(key).Issue("usr_alice", role, at);
  REQUIRE(t.ok());
  return t->token;
}

std::string B64Url(const std::string& bin) {
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_ENCODED_LEN(bin.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bin.data()),
                    bin.size(), kVariant);
  out.resize(out.size() - 1);
  return out;
}

std::string UnB64Url(const std::string& text) {
  std::string out(text.size(), '\0');
  size_t len = 0;
  REQUIRE(sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                            text.size(), nullptr, &len, nullptr,
                            sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0);
  out.resize(len);
  return out;
}

std::vector<std::string> Parts(const std::string& token) { return absl::StrSplit(token, '.'); }

Json GoodClaims() {
  return Json{{"sub", "usr_alice"},
              {"role", "host"},
              {"iss", kIssuer},
              {"aud", kAudience},
              {"jti", "jti_x"},
              {"iat", absl::ToUnixSeconds(kNow)},
              {"exp", absl::ToUnixSeconds(kNow + kTtl)}};
}

// Signs arbitrary claims with libjwt directly, as a buggy or hostile issuer holding a key could.
std::string SignWith(jwt_alg_t alg, const std::string& key_bytes, const std::string& kid,
                     const Json& claims) {
  jwt_t* raw = nullptr;
  REQUIRE(jwt_new(&raw) == 0);
  std::unique_ptr<jwt_t, void (*)(jwt_t*)> jwt(raw, &jwt_free);
  REQUIRE(jwt_add_header(jwt.get(), "kid", kid.c_str()) == 0);
  REQUIRE(jwt_add_grants_json(jwt.get(), claims.dump().c_str()) == 0);
  REQUIRE(jwt_set_alg(jwt.get(), alg, reinterpret_cast<const unsigned char*>(key_bytes.data()),
                      static_cast<int>(key_bytes.size())) == 0);
  char* s = jwt_encode_str(jwt.get());
  REQUIRE(s != nullptr);
  std::string out(s);
  std::free(s);
  return out;
}
std::string SignClaims(const Json& claims, const auth::SigningKey& key = TestKey()) {
  return SignWith(JWT_ALG_ES256, key.private_pem, key.kid, claims);
}

// Signs `payload_json` byte for byte with ES256 through OpenSSL, so that claims libjwt's JSON
// parser cannot represent (it refuses integers beyond int64) can still carry a valid signature.
std::string SignRawPayload(const std::string& payload_json, const auth::SigningKey& key) {
  const std::string input = B64Url(R"({"alg":"ES256","typ":"JWT","kid":")" + key.kid + "\"}") +
                            "." + B64Url(payload_json);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(key.private_pem.data(), static_cast<int>(key.private_pem.size())), &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  REQUIRE(pkey);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  REQUIRE(EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, pkey.get()) == 1);
  size_t der_len = 0;
  REQUIRE(EVP_DigestSign(md.get(), nullptr, &der_len,
                         reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1);
  std::string der(der_len, '\0');
  REQUIRE(EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(der.data()), &der_len,
                         reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1);
  // JWS wants r || s, 32 bytes each, not DER.
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)), &ECDSA_SIG_free);
  REQUIRE(sig);
  std::string raw(64, '\0');
  REQUIRE(BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), reinterpret_cast<unsigned char*>(raw.data()),
                       32) == 32);
  REQUIRE(BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()),
                       reinterpret_cast<unsigned char*>(raw.data()) + 32, 32) == 32);
  return input + "." + B64Url(raw);
}

// The reason Verify() gives, or "OK".
std::string Outcome(const auth::TokenVerifier& v, const std::string& token, absl::Time now = kNow) {
  absl::StatusOr<auth::Claims> c = v.Verify(token, now);
  if (c.ok()) return "OK";
  CHECK(c.status().code() == absl::StatusCode::kUnauthenticated);
  // Whatever the failure, the token must not come back in the message.
  if (token.size() > 8) CHECK(std::string(c.status().message()).find(token) == std::string::npos);
  return shopcast::ReasonOf(c.status());
}

}  // namespace

TEST_CASE("issued token verifies and carries the claims") {
  const absl::Time at = kNow + absl::Milliseconds(700);
  absl::StatusOr<auth::IssuedToken> issued = Issuer().Issue("usr_alice", auth::Role::kHost, at);
  REQUIRE(issued.ok());
  CHECK(issued->expires_at == kNow + kTtl);

  absl::StatusOr<auth::Claims> c = Verifier().Verify(issued->token, kNow + absl::Minutes(1));
  REQUIRE(c.ok());
  CHECK(c->subject == "usr_alice");
  CHECK(c->role == auth::Role::kHost);
  CHECK(c->issued_at == kNow);
  CHECK(c->expires_at == kNow + kTtl);
  CHECK(shopcast::ids::IsValidId(c->token_id, "jti"));

  // Two tokens for the same user at the same instant are still distinct.
  auto again = Issuer().Issue("usr_alice", auth::Role::kHost, at);
  REQUIRE(again.ok());
  CHECK(again->token != issued->token);
}

TEST_CASE("issued token has the documented header and claims") {
  std::vector<std::string> parts = Parts(IssueAt(kNow, auth::Role::kAdmin));
  REQUIRE(parts.size() == 3);
  Json header = Json::parse(UnB64Url(parts[0]));
  CHECK(header["alg"] == "ES256");
  CHECK(header["typ"] == "JWT");
  CHECK(header["kid"] == "k1");
  Json claims = Json::parse(UnB64Url(parts[1]));
  CHECK(claims["sub"] == "usr_alice");
  CHECK(claims["role"] == "admin");
  CHECK(claims["iss"] == kIssuer);
  CHECK(claims["aud"] == kAudience);
  CHECK(claims["iat"] == absl::ToUnixSeconds(kNow));
  CHECK(claims["exp"] == absl::ToUnixSeconds(kNow + kTtl));
  CHECK(claims["jti"].is_string());
  // JOSE ES256 signatures are raw R||S (64 bytes), not DER, so any JWT library can check them.
  CHECK(UnB64Url(parts[2]).size() == 64);
}

TEST_CASE("a token names its session in sid, and one issued without a session still verifies") {
  auto with = Issuer().Issue("usr_alice", auth::Role::kHost, kNow, "rtf_session1");
  REQUIRE(with.ok());
  CHECK(Json::parse(UnB64Url(Parts(with->token)[1]))["sid"] == "rtf_session1");
  absl::StatusOr<auth::Claims> c = Verifier().Verify(with->token, kNow);
  REQUIRE(c.ok());
  CHECK(c->session_id == "rtf_session1");

  const std::string without = IssueAt(kNow);
  CHECK_FALSE(Json::parse(UnB64Url(Parts(without)[1])).contains("sid"));
  c = Verifier().Verify(without, kNow);
  REQUIRE(c.ok());
  CHECK(c->session_id.empty());
}

TEST_CASE("a sid that is not a non-empty string is malformed") {
  auth::TokenVerifier v = Verifier();
  for (const Json& sid : {Json(""), Json(42), Json::array({"rtf_a"}), Json(nullptr)}) {
    Json c = GoodClaims();
    c["sid"] = sid;
    INFO("sid " << sid.dump());
    CHECK(Outcome(v, SignClaims(c)) == "TOKEN_MALFORMED");
  }
}

TEST_CASE("issuing refuses an empty subject") {
  auto t = Issuer().Issue("", auth::Role::kViewer, kNow);
  CHECK(t.status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("expiry and issue time are enforced with leeway, also for a remembered token") {
  const std::string token = IssueAt(kNow);
  auth::TokenVerifier v = Verifier();  // 30 s leeway
  CHECK(Outcome(v, token, kNow + kTtl - absl::Seconds(1)) == "OK");
  CHECK(Outcome(v, token, kNow + kTtl + absl::Seconds(29)) == "OK");
  CHECK(Outcome(v, token, kNow + kTtl + absl::Seconds(30)) == "TOKEN_EXPIRED");
  CHECK(Outcome(v, token, kNow + absl::Hours(48)) == "TOKEN_EXPIRED");

  CHECK(Outcome(v, token, kNow - absl::Seconds(30)) == "OK");
  CHECK(Outcome(v, token, kNow - absl::Seconds(31)) == "TOKEN_NOT_YET_VALID");

  auth::TokenVerifier strict({auth::PublicKeyOf(TestKey())}, kIssuer, kAudience,
                             absl::ZeroDuration());
  CHECK(Outcome(strict, token, kNow + kTtl) == "TOKEN_EXPIRED");
  CHECK(Outcome(strict, token, kNow - absl::Seconds(1)) == "TOKEN_NOT_YET_VALID");

  Json nbf = GoodClaims();
  nbf["nbf"] = absl::ToUnixSeconds(kNow + absl::Minutes(5));
  CHECK(Outcome(v, SignClaims(nbf)) == "TOKEN_NOT_YET_VALID");
  CHECK(Outcome(v, SignClaims(nbf), kNow + absl::Minutes(6)) == "OK");
}

TEST_CASE("issuer and audience must be ours") {
  const std::string token = IssueAt(kNow);
  auth::TokenVerifier other_iss({auth::PublicKeyOf(TestKey())}, "evil-issuer", kAudience);
  CHECK(Outcome(other_iss, token) == "TOKEN_WRONG_ISSUER");
  auth::TokenVerifier other_aud({auth::PublicKeyOf(TestKey())}, kIssuer, "billing");
  CHECK(Outcome(other_aud, token) == "TOKEN_WRONG_AUDIENCE");

  auth::TokenVerifier v = Verifier();
  Json c = GoodClaims();
  c["aud"] = Json::array({"billing", kAudience});
  CHECK(Outcome(v, SignClaims(c)) == "OK");
  c["aud"] = Json::array({"billing"});
  CHECK(Outcome(v, SignClaims(c)) == "TOKEN_WRONG_AUDIENCE");
  c.erase("aud");
  CHECK(Outcome(v, SignClaims(c)) == "TOKEN_WRONG_AUDIENCE");
  c = GoodClaims();
  c.erase("iss");
  CHECK(Outcome(v, SignClaims(c)) == "TOKEN_WRONG_ISSUER");
}

TEST_CASE("signed tokens with missing or ill-typed claims are malformed") {
  auth::TokenVerifier v = Verifier();
  REQUIRE(Outcome(v, SignClaims(GoodClaims())) == "OK");
  for (const char* name : {"exp", "iat", "sub", "role", "jti"}) {
    Json c = GoodClaims();
    c.erase(name);
    INFO("without " << name);
    CHECK(Outcome(v, SignClaims(c)) == "TOKEN_MALFORMED");
  }
  Json c = GoodClaims();
  c["role"] = "superuser";
  CHECK(Outcome(v, SignClaims(c)) == "TOKEN_MALFORMED");
  c = GoodClaims();
  c["role"] = "Admin";
  CHECK(Outcome(v, SignClaims(c)) == "TOKEN_MALFORMED");
  c = GoodClaims();
  c["sub"] = "";
  CHECK(Outcome(v, SignClaims(c)) == "TOKEN_MALFORMED");
  c = GoodClaims();
  c["exp"] = std::to_string(absl::ToUnixSeconds(kNow + kTtl));
  CHECK(Outcome(v, SignClaims(c)) == "TOKEN_MALFORMED");
}

TEST_CASE("a correctly signed token with an out-of-range date is malformed, not badly signed") {
  auth::TokenVerifier v = Verifier();
  const std::string good = GoodClaims().dump();
  // The hand-made signature is a real one: unchanged claims verify.
  REQUIRE(Outcome(v, SignRawPayload(good, TestKey())) == "OK");
  const std::string exp = "\"exp\":" + std::to_string(absl::ToUnixSeconds(kNow + kTtl));
  const std::string iat = "\"iat\":" + std::to_string(absl::ToUnixSeconds(kNow));
  REQUIRE(good.find(exp) != std::string::npos);
  auto with = [&](const std::string& from, const std::string& to) {
    std::string out = good;
    out.replace(out.find(from), from.size(), to);
    return out;
  };
  for (const std::string& claims :
       {with(exp, R"("exp":9223372036854775808)"), with(exp, R"("exp":-9223372036854775809)"),
        with(exp, R"("exp":100000000000000000000)"), with(iat, R"("iat":18446744073709551616)")}) {
    INFO(claims);
    CHECK(Outcome(v, SignRawPayload(claims, TestKey())) == "TOKEN_MALFORMED");
  }
  // The same payload signed by someone else is still a bad signature or malformed, never OK.
  auth::SigningKey impostor = NewKey("k1");
  CHECK(Outcome(v, SignRawPayload(good, impostor)) == "TOKEN_BAD_SIGNATURE");
}

TEST_CASE("tampering with any part breaks the signature") {
  const std::string token = IssueAt(kNow, auth::Role::kViewer);
  std::vector<std::string> parts = Parts(token);
  auth::TokenVerifier v = Verifier();
  // The genuine token, verified first, is remembered; its altered copies are not it.
  REQUIRE(Outcome(v, token) == "OK");

  SECTION("one character of the payload flipped") {
    std::string p = parts[1];
    size_t mid = p.size() / 2;
    p[mid] = p[mid] == 'A' ? 'B' : 'A';
    CHECK(Outcome(v, parts[0] + "." + p + "." + parts[2]) == "TOKEN_BAD_SIGNATURE");
  }
  SECTION("payload rewritten to escalate the role") {
    Json claims = Json::parse(UnB64Url(parts[1]));
    claims["role"] = "admin";
    CHECK(Outcome(v, parts[0] + "." + B64Url(claims.dump()) + "." + parts[2]) ==
          "TOKEN_BAD_SIGNATURE");
  }
  SECTION("one character of the signature flipped") {
    std::string s = parts[2];
    s[10] = s[10] == 'A' ? 'B' : 'A';
    CHECK(Outcome(v, parts[0] + "." + parts[1] + "." + s) == "TOKEN_BAD_SIGNATURE");
  }
  SECTION("signature removed") {
    CHECK(Outcome(v, parts[0] + "." + parts[1] + ".") == "TOKEN_BAD_SIGNATURE");
  }
}

TEST_CASE("a different key under a known kid is a bad signature") {
  auth::SigningKey impostor = NewKey("k1");  // same kid as TestKey(), different key
  CHECK(Outcome(Verifier(), IssueAt(kNow, auth::Role::kAdmin, impostor)) == "TOKEN_BAD_SIGNATURE");
}

TEST_CASE("a kid the verifier does not hold is an unknown key") {
  auth::SigningKey other = NewKey("k9");
  CHECK(Outcome(Verifier(), IssueAt(kNow, auth::Role::kHost, other)) == "TOKEN_UNKNOWN_KEY");
  std::vector<std::string> parts = Parts(IssueAt(kNow));
  std::string no_kid = B64Url(R"({"alg":"ES256","typ":"JWT"})");
  CHECK(Outcome(Verifier(), no_kid + "." + parts[1] + "." + parts[2]) == "TOKEN_UNKNOWN_KEY");
}

TEST_CASE("alg none is refused") {
  const std::string payload = B64Url(GoodClaims().dump());
  auth::TokenVerifier v = Verifier();
  CHECK(Outcome(v, B64Url(R"({"alg":"none"})") + "." + payload + ".") == "TOKEN_ALG_NOT_ALLOWED");
  CHECK(Outcome(v, B64Url(R"({"alg":"none","typ":"JWT","kid":"k1"})") + "." + payload + ".") ==
        "TOKEN_ALG_NOT_ALLOWED");
  // Case variants some libraries fold.
  CHECK(Outcome(v, B64Url(R"({"alg":"None","kid":"k1"})") + "." + payload + ".") ==
        "TOKEN_ALG_NOT_ALLOWED");
}

TEST_CASE("HS256 signed with the public key as HMAC secret is refused") {
  // The classic key-confusion attack: the public key is public, so anyone can make this token.
  const std::string forged = SignWith(JWT_ALG_HS256, TestKey().public_pem, "k1", GoodClaims());
  REQUIRE(Json::parse(UnB64Url(Parts(forged)[0]))["alg"] == "HS256");
  CHECK(Outcome(Verifier(), forged) == "TOKEN_ALG_NOT_ALLOWED");

  // Other algorithms, including lower-case ES256 and ES384, are refused before any crypto.
  const std::string rest = Parts(forged)[1] + "." + Parts(forged)[2];
  for (const char* alg : {"es256", "ES384", "RS256", "HS256", "ES256 "}) {
    INFO(alg);
    Json h{{"alg", alg}, {"typ", "JWT"}, {"kid", "k1"}};
    CHECK(Outcome(Verifier(), B64Url(h.dump()) + "." + rest) == "TOKEN_ALG_NOT_ALLOWED");
  }
}

TEST_CASE("ambiguous or unexpected headers are malformed") {
  std::vector<std::string> parts = Parts(IssueAt(kNow));
  const std::string rest = "." + parts[1] + "." + parts[2];
  auth::TokenVerifier v = Verifier();
  // Duplicate alg: parsers disagree on which wins, so the header is refused outright.
  CHECK(Outcome(v, B64Url(R"({"alg":"HS256","alg":"ES256","kid":"k1"})") + rest) ==
        "TOKEN_MALFORMED");
  CHECK(Outcome(v, B64Url(R"({"alg":"ES256","kid":"k1","kid":"k1"})") + rest) == "TOKEN_MALFORMED");
  CHECK(Outcome(v, B64Url(R"({"alg":"ES256","kid":"k1","crit":["exp"]})") + rest) ==
        "TOKEN_MALFORMED");
  CHECK(Outcome(v, B64Url(R"({"alg":"ES256","kid":"k1","typ":"JOSE+JSON"})") + rest) ==
        "TOKEN_MALFORMED");
  CHECK(Outcome(v, B64Url(R"({"kid":"k1"})") + rest) == "TOKEN_MALFORMED");
  CHECK(Outcome(v, B64Url(R"(["alg","ES256"])") + rest) == "TOKEN_MALFORMED");
  CHECK(Outcome(v, B64Url("not json") + rest) == "TOKEN_MALFORMED");
}

TEST_CASE("garbage is malformed") {
  auth::TokenVerifier v = Verifier();
  const std::string good = IssueAt(kNow);
  for (const std::string& junk :
       {std::string(), std::string("abc"), std::string("a.b"), std::string("a.b.c.d"),
        std::string(".."), std::string("...."), std::string("Bearer ") + good, good + " ",
        good + "=", std::string("a!.b.c"), good + ".x", std::string("eyJhbGciOiJFUzI1NiJ9.e30"),
        std::string("%%%.%%%.%%%")}) {
    INFO(junk);
    CHECK(Outcome(v, junk) == "TOKEN_MALFORMED");
  }
  // A NUL must not let libjwt verify a valid prefix while we approve the whole string.
  std::string with_nul = good;
  with_nul += '\0';
  with_nul += "tail";
  CHECK(Outcome(v, with_nul) == "TOKEN_MALFORMED");
}

TEST_CASE("oversized tokens are refused unread") {
  auth::TokenVerifier v = Verifier();
  CHECK(Outcome(v, std::string(auth::kMaxTokenBytes + 1, 'A')) == "TOKEN_MALFORMED");
  // Even a correctly signed one.
  auto big = Issuer().Issue(std::string(auth::kMaxTokenBytes, 'u'), auth::Role::kViewer, kNow);
  REQUIRE(big.ok());
  REQUIRE(big->token.size() > auth::kMaxTokenBytes);
  CHECK(Outcome(v, big->token) == "TOKEN_MALFORMED");
}

TEST_CASE("key rotation: a verifier holding old and new keys accepts both") {
  auth::SigningKey old_key = NewKey("old");
  auth::SigningKey new_key = NewKey("new");
  const std::string old_token = IssueAt(kNow, auth::Role::kHost, old_key);
  const std::string new_token = IssueAt(kNow, auth::Role::kHost, new_key);

  auth::TokenVerifier both({auth::PublicKeyOf(old_key), auth::PublicKeyOf(new_key)}, kIssuer,
                           kAudience);
  CHECK(Outcome(both, old_token) == "OK");
  CHECK(Outcome(both, new_token) == "OK");

  auth::TokenVerifier after({auth::PublicKeyOf(new_key)}, kIssuer, kAudience);
  CHECK(Outcome(after, old_token) == "TOKEN_UNKNOWN_KEY");
  CHECK(Outcome(after, new_token) == "OK");

  // A second entry for a kid already held does not replace the first.
  auth::TokenVerifier dup({auth::PublicKeyOf(old_key), {"old", new_key.public_pem}}, kIssuer,
                          kAudience);
  CHECK(Outcome(dup, old_token) == "OK");
}

TEST_CASE("a display name travels as the optional name claim") {
  absl::StatusOr<auth::IssuedToken> named =
      Issuer().Issue("usr_alice", auth::Role::kViewer, kNow, "", "Alice \u00c5");
  REQUIRE(named.ok());
  absl::StatusOr<auth::Claims> claims = Verifier().Verify(named->token, kNow);
  REQUIRE(claims.ok());
  CHECK(claims->name == "Alice \u00c5");
  absl::StatusOr<auth::Claims> unnamed = Verifier().Verify(IssueAt(kNow), kNow);
  REQUIRE(unnamed.ok());
  CHECK(unnamed->name.empty());
  CHECK_FALSE(
      Issuer().Issue("usr_alice", auth::Role::kViewer, kNow, "", std::string("a\0b", 3)).ok());
}
