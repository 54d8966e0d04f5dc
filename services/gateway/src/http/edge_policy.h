#pragma once

// The headers the server adds to every response (security headers, CORS) and its answer to
// CORS preflights. Areas may set any of these themselves; the server then leaves theirs.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "http/exchange.h"

namespace shopcast::gateway::http {

struct EdgePolicyOptions {
  // Origins allowed to call across origins ("https://admin.shop.example"); exact matches, no
  // wildcards. Same-origin requests need no entry.
  std::vector<std::string> cors_origins;
  // Origins images may also come from (product-inventory's image origin when it is not served
  // through this host), added to the CSP's img-src.
  std::vector<std::string> image_origins;
};

// What the policy needs to know about the request a response answers.
struct ResponseFacts {
  bool secure = false;  // RequestContext::secure
  std::string host;     // the Host header (used only if IsPlainHost)
  std::string origin;   // the Origin header, "" if none
};

class EdgePolicy {
 public:
  // INVALID_ARGUMENT naming the entry if an origin is not scheme://host[:port].
  static absl::StatusOr<EdgePolicy> Create(EdgePolicyOptions options);

  bool OriginAllowed(absl::string_view origin) const;

  // The Content-Security-Policy: scripts, styles, fonts and frames from this origin only (no
  // inline script, no eval), media and workers also from blob: (hls.js's MediaSource and worker),
  // connections to this origin and its ws:/wss: form, no framing, no plugins.
  std::string ContentSecurityPolicy(absl::string_view host) const;

  // Adds, where the area has not set them: CSP, X-Content-Type-Options, Referrer-Policy,
  // X-Frame-Options, Permissions-Policy, Cross-Origin-Opener-Policy/-Resource-Policy, HSTS
  // (secure only); and the CORS headers when the origin is allowed.
  void Decorate(HttpResponse& response, const ResponseFacts& facts) const;

  // True for a CORS preflight: OPTIONS with Origin and Access-Control-Request-Method.
  static bool IsPreflight(const HttpRequest& request);
  // The answer to a preflight: 204 with the allowed methods and headers for an allowed origin,
  // 403 (and no CORS headers) for any other.
  HttpResponse Preflight(const HttpRequest& request) const;

 private:
  EdgePolicyOptions options_;
  std::string img_src_;
};

}  // namespace shopcast::gateway::http
