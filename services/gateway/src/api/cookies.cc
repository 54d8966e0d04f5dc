#include "api/cookies.h"

#include <openssl/crypto.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shopcast/ids/secrets.h"
#include "shopcast/status/status.h"

namespace shopcast::gateway::api {
namespace {

namespace http = boost::beast::http;

absl::Status Denied(absl::string_view reason, absl::string_view message) {
  return Error(absl::StatusCode::kPermissionDenied, reason, message);
}

std::string Cookie(absl::string_view name, absl::string_view value, bool http_only,
                   int64_t max_age_seconds) {
  return absl::StrCat(name, "=", value, "; Path=/; Secure;", http_only ? " HttpOnly;" : "",
                      " SameSite=Strict; Max-Age=", max_age_seconds);
}

}  // namespace

std::optional<std::string> CookieValue(const HttpRequest& request, absl::string_view name) {
  for (auto it = request.find(http::field::cookie);
       it != request.end() && it->name() == http::field::cookie; ++it) {
    const absl::string_view header(it->value().data(), it->value().size());
    for (absl::string_view pair : absl::StrSplit(header, ';')) {
      pair = absl::StripAsciiWhitespace(pair);
      const size_t eq = pair.find('=');
      if (eq == absl::string_view::npos || pair.substr(0, eq) != name) continue;
      absl::string_view value = pair.substr(eq + 1);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      return std::string(value);
    }
  }
  return std::nullopt;
}

std::string NewCsrfToken() { return ids::NewSecret(32); }

std::vector<std::string> SessionCookies(absl::string_view refresh_token,
                                        absl::string_view csrf_token, absl::Duration max_age) {
  const int64_t seconds = std::max<int64_t>(0, absl::ToInt64Seconds(max_age));
  return {Cookie(kRefreshCookie, refresh_token, true, seconds),
          Cookie(kCsrfCookie, csrf_token, false, seconds)};
}

std::vector<std::string> ClearedSessionCookies() {
  return {Cookie(kRefreshCookie, "", true, 0), Cookie(kCsrfCookie, "", false, 0)};
}

absl::Status CheckCsrf(const HttpRequest& request, bool secure,
                       const std::vector<std::string>& allowed_origins) {
  auto origin = request.find(http::field::origin);
  if (origin != request.end()) {
    const absl::string_view o(origin->value().data(), origin->value().size());
    auto host = request.find(http::field::host);
    const bool own =
        host != request.end() &&
        o == absl::StrCat(secure ? "https://" : "http://",
                          absl::string_view(host->value().data(), host->value().size()));
    if (!own &&
        std::find(allowed_origins.begin(), allowed_origins.end(), o) == allowed_origins.end()) {
      return Denied("ORIGIN_NOT_ALLOWED", "this origin may not use the session cookie");
    }
  }
  auto header = request.find(kCsrfHeader);
  std::optional<std::string> cookie = CookieValue(request, kCsrfCookie);
  if (header == request.end() || header->value().empty() || !cookie || cookie->empty()) {
    return Denied("CSRF_TOKEN_MISSING",
                  "a call authenticated by the session cookie needs the X-CSRF-Token header "
                  "with the value of the __Host-shopcast_csrf cookie");
  }
  const absl::string_view sent(header->value().data(), header->value().size());
  if (sent.size() != cookie->size() ||
      CRYPTO_memcmp(sent.data(), cookie->data(), sent.size()) != 0) {
    return Denied("CSRF_TOKEN_MISMATCH", "the X-CSRF-Token header does not match the cookie");
  }
  return absl::OkStatus();
}

}  // namespace shopcast::gateway::api
