#include "shopcast/auth/tokens.h"

#include <jwt.h>
#include <sodium.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/str_split.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"

namespace shopcast::auth {
namespace {

using Json = nlohmann::json;

struct JwtFree {
  void operator()(jwt_t* j) const { jwt_free(j); }
};
// libjwt 1.10 returns strings from malloc and documents plain free() for them.
struct CFree {
  void operator()(char* p) const { std::free(p); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;
using CStringPtr = std::unique_ptr<char, CFree>;

constexpr char kAlg[] = "ES256";

absl::Status Reject(absl::string_view reason, absl::string_view message) {
  return shopcast::Unauthenticated(reason, message);
}
absl::Status Malformed(absl::string_view message) { return Reject("TOKEN_MALFORMED", message); }

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

std::optional<std::string> DecodeBase64Url(absl::string_view in) {
  std::string out(in.size() * 3 / 4 + 1, '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), in.data(),
                        in.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

// A JSON object, or nullopt. Duplicate top-level keys are refused: parsers disagree on which
// one wins, and the header we check must be the header libjwt acts on.
std::optional<Json> ParseObject(absl::string_view text) {
  std::set<std::string> keys;
  bool duplicate = false;
  Json::parser_callback_t on_event = [&](int depth, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::key && depth == 1 &&
        !keys.insert(parsed.get<std::string>()).second) {
      duplicate = true;
    }
    return true;
  };
  Json j = Json::parse(text.begin(), text.end(), on_event, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || duplicate) return std::nullopt;
  return j;
}

// An integral NumericDate claim; nullopt if absent, fractional or out of range.
std::optional<int64_t> IntClaim(const Json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::nullopt;
  if (it->is_number_unsigned()) {
    uint64_t v = it->get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(v);
  }
  if (it->is_number_integer()) return it->get<int64_t>();
  return std::nullopt;
}

// True if the payload is a JSON object whose exp, iat or nbf is a number that is not an
// integer NumericDate in int64 range.
bool HasOutOfRangeDate(absl::string_view payload_b64) {
  std::optional<std::string> text = DecodeBase64Url(payload_b64);
  if (!text) return false;
  Json claims = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (claims.is_discarded() || !claims.is_object()) return false;
  for (const char* name : {"exp", "iat", "nbf"}) {
    auto it = claims.find(name);
    if (it != claims.end() && it->is_number() && !IntClaim(claims, name)) return true;
  }
  return false;
}

// A non-empty string claim, or "".
std::string StringClaim(const Json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

bool AudienceMatches(const Json& claims, const std::string& audience) {
  auto it = claims.find("aud");
  if (it == claims.end()) return false;
  if (it->is_string()) return it->get<std::string>() == audience;
  if (!it->is_array()) return false;
  for (const Json& a : *it) {
    if (a.is_string() && a.get<std::string>() == audience) return true;
  }
  return false;
}

}  // namespace

TokenIssuer::TokenIssuer(SigningKey key, std::string issuer, std::string audience,
                         absl::Duration ttl)
    : key_(std::move(key)), issuer_(std::move(issuer)), audience_(std::move(audience)), ttl_(ttl) {}

absl::StatusOr<IssuedToken> TokenIssuer::Issue(absl::string_view subject, Role role, absl::Time now,
                                               absl::string_view session_id,
                                               absl::string_view name) const {
  if (subject.empty() || subject.find('\0') != absl::string_view::npos) {
    return shopcast::InvalidArgument("subject", "SUBJECT_INVALID",
                                     "token subject must be a non-empty user id");
  }
  if (session_id.find('\0') != absl::string_view::npos) {
    return shopcast::InvalidArgument("session_id", "SESSION_ID_INVALID",
                                     "token session id must not contain NUL");
  }
  if (name.find('\0') != absl::string_view::npos) {
    return shopcast::InvalidArgument("name", "NAME_INVALID", "token name must not contain NUL");
  }
  const std::string sid(session_id);
  const std::string display_name(name);
  const int64_t iat = absl::ToUnixSeconds(now);
  const int64_t exp = iat + absl::ToInt64Seconds(ttl_);
  const std::string sub(subject);
  const std::string role_name(RoleName(role));
  const std::string jti = ids::NewId("jti");

  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return absl::InternalError("jwt_new failed");
  JwtPtr jwt(raw);
  bool ok = jwt_add_header(jwt.get(), "kid", key_.kid.c_str()) == 0 &&
            jwt_add_grant(jwt.get(), "sub", sub.c_str()) == 0 &&
            jwt_add_grant(jwt.get(), "role", role_name.c_str()) == 0 &&
            jwt_add_grant(jwt.get(), "iss", issuer_.c_str()) == 0 &&
            jwt_add_grant(jwt.get(), "aud", audience_.c_str()) == 0 &&
            jwt_add_grant(jwt.get(), "jti", jti.c_str()) == 0 &&
            (sid.empty() || jwt_add_grant(jwt.get(), "sid", sid.c_str()) == 0) &&
            (display_name.empty() || jwt_add_grant(jwt.get(), "name", display_name.c_str()) == 0) &&
            jwt_add_grant_int(jwt.get(), "iat", static_cast<long>(iat)) == 0 &&
            jwt_add_grant_int(jwt.get(), "exp", static_cast<long>(exp)) == 0 &&
            jwt_set_alg(jwt.get(), JWT_ALG_ES256,
                        reinterpret_cast<const unsigned char*>(key_.private_pem.data()),
                        static_cast<int>(key_.private_pem.size())) == 0;
  if (!ok) return absl::InternalError("cannot build the access token");
  CStringPtr encoded(jwt_encode_str(jwt.get()));
  if (!encoded) return absl::InternalError("cannot sign the access token");
  return IssuedToken{std::string(encoded.get()), absl::FromUnixSeconds(exp)};
}

// Sharded so that concurrent callers rarely wait on one another; a full shard starts over
// (its tokens are simply verified again).
class TokenVerifier::VerifiedCache {
 public:
  std::optional<Verified> Find(absl::string_view token) {
    Shard& shard = ShardOf(token);
    std::lock_guard<std::mutex> lock(shard.mu);
    auto it = shard.entries.find(token);
    if (it == shard.entries.end()) return std::nullopt;
    return it->second;
  }
  void Put(absl::string_view token, const Verified& v) {
    Shard& shard = ShardOf(token);
    std::lock_guard<std::mutex> lock(shard.mu);
    if (shard.entries.size() >= kVerifiedCacheSize / kShards) shard.entries.clear();
    shard.entries.try_emplace(std::string(token), v);
  }

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    std::mutex mu;
    absl::flat_hash_map<std::string, Verified> entries;
  };
  Shard& ShardOf(absl::string_view token) {
    return shards_[absl::Hash<absl::string_view>()(token) % kShards];
  }
  std::array<Shard, kShards> shards_;
};

TokenVerifier::TokenVerifier(std::vector<PublicKey> keys, std::string issuer, std::string audience,
                             absl::Duration leeway)
    : issuer_(std::move(issuer)),
      audience_(std::move(audience)),
      leeway_(leeway),
      verified_(std::make_unique<VerifiedCache>()) {
  for (PublicKey& k : keys) public_pem_by_kid_.try_emplace(k.kid, std::move(k.public_pem));
}

TokenVerifier::~TokenVerifier() = default;

absl::StatusOr<Claims> TokenVerifier::Verify(absl::string_view token, absl::Time now) const {
  if (token.size() > kMaxTokenBytes) return Malformed("access token too long");
  if (std::optional<Verified> seen = verified_->Find(token)) return CheckTimes(*seen, now);
  absl::StatusOr<Verified> v = VerifyUntimed(token);
  if (!v.ok()) return v.status();
  verified_->Put(token, *v);
  return CheckTimes(*v, now);
}

absl::StatusOr<Claims> TokenVerifier::CheckTimes(const Verified& v, absl::Time now) const {
  if (now >= v.claims.expires_at + leeway_) {
    return Reject("TOKEN_EXPIRED", "access token expired");
  }
  if (v.claims.issued_at > now + leeway_) {
    return Reject("TOKEN_NOT_YET_VALID", "access token issued in the future");
  }
  if (v.not_before && *v.not_before > now + leeway_) {
    return Reject("TOKEN_NOT_YET_VALID", "access token not valid yet");
  }
  return v.claims;
}

absl::StatusOr<TokenVerifier::Verified> TokenVerifier::VerifyUntimed(
    absl::string_view token) const {
  if (token.size() > kMaxTokenBytes) return Malformed("access token too long");
  // Only base64url and two dots: this also keeps NULs out of the C string libjwt sees.
  int dots = 0;
  for (char c : token) {
    if (c == '.') {
      ++dots;
    } else if (!IsBase64UrlChar(c)) {
      return Malformed("access token has invalid characters");
    }
  }
  if (dots != 2) return Malformed("access token must have three parts");
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts[0].empty() || parts[1].empty()) return Malformed("access token has an empty part");

  // Decide the algorithm and key from the header ourselves, before libjwt sees the token, so a
  // token can never choose "none" or HMAC-with-our-public-key for itself.
  std::optional<std::string> header_text = DecodeBase64Url(parts[0]);
  if (!header_text) return Malformed("access token header is not base64url");
  std::optional<Json> header = ParseObject(*header_text);
  if (!header) return Malformed("access token header is not a JSON object");
  auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string()) return Malformed("access token has no alg");
  if (alg->get<std::string>() != kAlg) {
    return Reject("TOKEN_ALG_NOT_ALLOWED", "access token algorithm is not allowed");
  }
  if (header->contains("crit")) return Malformed("access token has critical extensions");
  if (auto typ = header->find("typ");
      typ != header->end() && (!typ->is_string() || typ->get<std::string>() != "JWT")) {
    return Malformed("access token type is not JWT");
  }
  auto kid = header->find("kid");
  if (kid == header->end() || !kid->is_string()) {
    return Reject("TOKEN_UNKNOWN_KEY", "access token names no key");
  }
  auto key = public_pem_by_kid_.find(kid->get<std::string>());
  if (key == public_pem_by_kid_.end()) {
    return Reject("TOKEN_UNKNOWN_KEY", "access token signed with an unknown key");
  }
  if (parts[2].empty()) return Reject("TOKEN_BAD_SIGNATURE", "access token is not signed");

  const std::string token_str(token);
  jwt_t* raw = nullptr;
  int rc = jwt_decode(&raw, token_str.c_str(),
                      reinterpret_cast<const unsigned char*>(key->second.data()),
                      static_cast<int>(key->second.size()));
  JwtPtr jwt(raw);
  if (rc != 0 || !jwt) {
    // libjwt also fails on claims its JSON parser cannot hold (an exp of 2^63, say), whatever
    // the signature: say so, rather than blame a signature that may be good.
    if (HasOutOfRangeDate(parts[1])) return Malformed("access token has an out-of-range date");
    return Reject("TOKEN_BAD_SIGNATURE", "access token signature invalid");
  }
  if (jwt_get_alg(jwt.get()) != JWT_ALG_ES256) {
    return Reject("TOKEN_ALG_NOT_ALLOWED", "access token algorithm is not allowed");
  }

  CStringPtr grants(jwt_get_grants_json(jwt.get(), nullptr));
  if (!grants) return Malformed("access token has no claims");
  std::optional<Json> claims = ParseObject(grants.get());
  if (!claims) return Malformed("access token claims are not a JSON object");

  if (StringClaim(*claims, "iss") != issuer_) {
    return Reject("TOKEN_WRONG_ISSUER", "access token from another issuer");
  }
  if (!AudienceMatches(*claims, audience_)) {
    return Reject("TOKEN_WRONG_AUDIENCE", "access token meant for another audience");
  }
  std::optional<int64_t> exp = IntClaim(*claims, "exp");
  std::optional<int64_t> iat = IntClaim(*claims, "iat");
  if (!exp || !iat) return Malformed("access token lacks exp or iat");
  const absl::Time expires_at = absl::FromUnixSeconds(*exp);
  const absl::Time issued_at = absl::FromUnixSeconds(*iat);
  Verified verified;
  if (claims->contains("nbf")) {
    std::optional<int64_t> nbf = IntClaim(*claims, "nbf");
    if (!nbf) return Malformed("access token nbf is not a NumericDate");
    verified.not_before = absl::FromUnixSeconds(*nbf);
  }

  Claims& out = verified.claims;
  out.subject = StringClaim(*claims, "sub");
  out.token_id = StringClaim(*claims, "jti");
  std::optional<Role> role = ParseRole(StringClaim(*claims, "role"));
  if (out.subject.empty() || out.token_id.empty() || !role) {
    return Malformed("access token lacks sub, jti or a known role");
  }
  // Optional: tokens from before sessions were named, and test tokens, carry none.
  if (auto sid = claims->find("sid"); sid != claims->end()) {
    if (!sid->is_string() || sid->get<std::string>().empty()) {
      return Malformed("access token sid is not a non-empty string");
    }
    out.session_id = sid->get<std::string>();
  }
  if (auto name = claims->find("name"); name != claims->end()) {
    if (!name->is_string()) return Malformed("access token name is not a string");
    out.name = name->get<std::string>();
  }
  out.role = *role;
  out.issued_at = issued_at;
  out.expires_at = expires_at;
  return verified;
}

}  // namespace shopcast::auth
