#include "storage/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "shopcast/status/status.h"
#include "storage/digest.h"
#include "storage/storage_provider.h"

namespace shopcast::recording_lifecycle::storage::sigv4 {
namespace {

std::string Hmac(absl::string_view key, absl::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &n) == nullptr) {
    std::abort();  // OpenSSL cannot HMAC: nothing sensible to do.
  }
  return std::string(reinterpret_cast<const char*>(out), n);
}

// Lower-cased name, value with surrounding spaces trimmed and inner runs of spaces collapsed.
std::vector<std::pair<std::string, std::string>> NormalizedHeaders(
    const std::vector<std::pair<std::string, std::string>>& headers) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(headers.size());
  for (const auto& [name, value] : headers) {
    std::string v(absl::StripAsciiWhitespace(value));
    std::string collapsed;
    for (char c : v) {
      if (c == ' ' && !collapsed.empty() && collapsed.back() == ' ') continue;
      collapsed.push_back(c);
    }
    out.emplace_back(absl::AsciiStrToLower(name), std::move(collapsed));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

}  // namespace

std::string UriEncode(absl::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::string AmzDate(absl::Time t) {
  return absl::FormatTime("%Y%m%dT%H%M%SZ", t, absl::UTCTimeZone());
}

std::string DateStamp(absl::Time t) { return absl::FormatTime("%Y%m%d", t, absl::UTCTimeZone()); }

std::string CanonicalQuery(std::vector<std::pair<std::string, std::string>> params) {
  for (auto& [name, value] : params) {
    name = UriEncode(name, false);
    value = UriEncode(value, false);
  }
  std::sort(params.begin(), params.end());
  return absl::StrJoin(params, "&", [](std::string* out, const auto& p) {
    absl::StrAppend(out, p.first, "=", p.second);
  });
}

std::string SignedHeaders(const CanonicalInput& in) {
  std::vector<std::string> names;
  for (const auto& [name, value] : NormalizedHeaders(in.headers)) {
    if (names.empty() || names.back() != name) names.push_back(name);
  }
  return absl::StrJoin(names, ";");
}

std::string CanonicalRequest(const CanonicalInput& in) {
  std::string headers;
  auto normalized = NormalizedHeaders(in.headers);
  for (size_t i = 0; i < normalized.size(); ++i) {
    // Repeated headers: one line, values joined by ','.
    if (i > 0 && normalized[i].first == normalized[i - 1].first) {
      absl::StrAppend(&headers, ",", normalized[i].second);
      continue;
    }
    if (i > 0) headers.push_back('\n');
    absl::StrAppend(&headers, normalized[i].first, ":", normalized[i].second);
  }
  return absl::StrCat(in.method, "\n", in.canonical_uri, "\n", in.canonical_query, "\n", headers,
                      "\n\n", SignedHeaders(in), "\n", in.payload_hash);
}

std::string Scope(absl::Time t, absl::string_view region, absl::string_view service) {
  return absl::StrCat(DateStamp(t), "/", region, "/", service, "/aws4_request");
}

std::string StringToSign(absl::Time t, absl::string_view scope,
                         absl::string_view canonical_request) {
  return absl::StrCat(kAlgorithm, "\n", AmzDate(t), "\n", scope, "\n",
                      Sha256Hex(canonical_request));
}

std::string SigningKey(absl::string_view secret, absl::Time t, absl::string_view region,
                       absl::string_view service) {
  std::string k_date = Hmac(absl::StrCat("AWS4", secret), DateStamp(t));
  std::string k_region = Hmac(k_date, region);
  std::string k_service = Hmac(k_region, service);
  return Hmac(k_service, "aws4_request");
}

std::string Signature(absl::string_view signing_key, absl::string_view string_to_sign) {
  return HexLower(Hmac(signing_key, string_to_sign));
}

absl::StatusOr<std::string> PresignGet(const PresignInput& in) {
  if (in.ttl < absl::Seconds(1) || in.ttl > kMaxPresignTtl) {
    return InvalidArgument("ttl", kReasonInvalidRequest,
                           "presigned URL lifetime must be between 1 second and 7 days");
  }
  absl::string_view rest = in.endpoint;
  if (!absl::ConsumePrefix(&rest, "http://") && !absl::ConsumePrefix(&rest, "https://")) {
    return InvalidArgument("endpoint", kReasonInvalidRequest, "endpoint: http(s)://host[:port]");
  }
  absl::string_view host = rest;
  if (host.empty() || absl::StrContains(host, '/') || absl::StrContains(host, '@')) {
    return InvalidArgument("endpoint", kReasonInvalidRequest, "endpoint: http(s)://host[:port]");
  }
  std::string scope = Scope(in.now, in.region, in.service);
  std::vector<std::pair<std::string, std::string>> params = {
      {"X-Amz-Algorithm", kAlgorithm},
      {"X-Amz-Credential", absl::StrCat(in.access_key_id, "/", scope)},
      {"X-Amz-Date", AmzDate(in.now)},
      {"X-Amz-Expires", absl::StrCat(absl::ToInt64Seconds(in.ttl))},
      {"X-Amz-SignedHeaders", "host"},
  };
  if (!in.session_token.empty()) params.emplace_back("X-Amz-Security-Token", in.session_token);
  CanonicalInput canonical{"GET",
                           in.canonical_uri,
                           CanonicalQuery(params),
                           {{"host", std::string(host)}},
                           kUnsignedPayload};
  std::string signature = Signature(SigningKey(in.secret_access_key, in.now, in.region, in.service),
                                    StringToSign(in.now, scope, CanonicalRequest(canonical)));
  return absl::StrCat(in.endpoint, in.canonical_uri, "?", canonical.canonical_query,
                      "&X-Amz-Signature=", signature);
}

}  // namespace shopcast::recording_lifecycle::storage::sigv4
