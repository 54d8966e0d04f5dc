#pragma once

// The refresh token's cookie and the CSRF proof that guards calls authenticated by it
// (services/gateway/README.md "Shared decisions"):
// - Login and Refresh answers move the refresh token out of the JSON body into
//   `__Host-shopcast_refresh` (HttpOnly, Secure, SameSite=Strict, Path=/) and set a fresh
//   readable `__Host-shopcast_csrf` beside it;
// - a Refresh or Logout without a refresh token in its body takes the cookie's, and then must
//   carry `X-CSRF-Token` equal to the CSRF cookie (double submit) and, when the browser sent an
//   Origin, one that is allow-listed or the gateway's own;
// - Logout (and a refused cookie refresh) clears both cookies.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "http/exchange.h"

namespace shopcast::gateway::api {

inline constexpr char kRefreshCookie[] = "__Host-shopcast_refresh";
inline constexpr char kCsrfCookie[] = "__Host-shopcast_csrf";
inline constexpr char kCsrfHeader[] = "X-CSRF-Token";

// The value of cookie `name` in the request's Cookie headers (the first, if repeated).
std::optional<std::string> CookieValue(const HttpRequest& request, absl::string_view name);

// A new CSRF token: 32 random bytes, base64url.
std::string NewCsrfToken();

// Set-Cookie values for a session: the refresh cookie and the CSRF cookie, both for `max_age`.
std::vector<std::string> SessionCookies(absl::string_view refresh_token,
                                        absl::string_view csrf_token, absl::Duration max_age);

// Set-Cookie values that delete both cookies.
std::vector<std::string> ClearedSessionCookies();

// OK when a cookie-authenticated call carries its CSRF proof; PERMISSION_DENIED with reason
// CSRF_TOKEN_MISSING (no header or no CSRF cookie), CSRF_TOKEN_MISMATCH, or ORIGIN_NOT_ALLOWED.
// `secure` says whether the gateway's own origin is https.
absl::Status CheckCsrf(const HttpRequest& request, bool secure,
                       const std::vector<std::string>& allowed_origins);

}  // namespace shopcast::gateway::api
