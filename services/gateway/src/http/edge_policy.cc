#include "http/edge_policy.h"

#include <algorithm>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "http/request_rules.h"

namespace shopcast::gateway::http {
namespace {

namespace bhttp = boost::beast::http;

// Request headers a cross-origin caller may send (what the web app and API clients use).
constexpr absl::string_view kAllowedRequestHeaders[] = {
    "authorization", "content-type", "x-request-id", "x-csrf-token", "idempotency-key"};
constexpr char kAllowedMethods[] = "GET, HEAD, POST";
// Response headers a cross-origin caller may read.
constexpr char kExposedHeaders[] = "X-Request-Id, Retry-After, ETag";
constexpr char kPreflightMaxAge[] = "600";

boost::beast::string_view Bv(absl::string_view s) { return {s.data(), s.size()}; }
absl::string_view Av(boost::beast::string_view s) { return {s.data(), s.size()}; }

void SetIfAbsent(HttpResponse& r, bhttp::field f, absl::string_view value) {
  if (r.find(f) == r.end()) r.set(f, Bv(value));
}

void SetIfAbsent(HttpResponse& r, absl::string_view name, absl::string_view value) {
  if (r.find(Bv(name)) == r.end()) r.set(Bv(name), Bv(value));
}

}  // namespace

absl::StatusOr<EdgePolicy> EdgePolicy::Create(EdgePolicyOptions options) {
  for (const std::string& o : options.cors_origins) {
    if (!IsOrigin(o)) {
      return absl::InvalidArgumentError(
          absl::StrCat("cors origin '", o, "' is not scheme://host[:port]"));
    }
  }
  for (const std::string& o : options.image_origins) {
    if (!IsOrigin(o)) {
      return absl::InvalidArgumentError(
          absl::StrCat("image origin '", o, "' is not scheme://host[:port]"));
    }
  }
  EdgePolicy p;
  p.img_src_ = "'self' data: blob:";
  for (const std::string& o : options.image_origins) absl::StrAppend(&p.img_src_, " ", o);
  p.options_ = std::move(options);
  return p;
}

bool EdgePolicy::OriginAllowed(absl::string_view origin) const {
  return !origin.empty() && std::find(options_.cors_origins.begin(), options_.cors_origins.end(),
                                      origin) != options_.cors_origins.end();
}

std::string EdgePolicy::ContentSecurityPolicy(absl::string_view host) const {
  std::string connect = "'self'";
  // CSP3 lets 'self' match ws:/wss: of this host, older browsers do not: name them.
  if (IsPlainHost(host)) absl::StrAppend(&connect, " ws://", host, " wss://", host);
  return absl::StrCat("default-src 'self'; script-src 'self'; style-src 'self'; img-src ", img_src_,
                      "; media-src 'self' blob:; worker-src 'self' blob:; connect-src ", connect,
                      "; font-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; "
                      "form-action 'self'; frame-ancestors 'none'");
}

void EdgePolicy::Decorate(HttpResponse& r, const ResponseFacts& facts) const {
  SetIfAbsent(r, "Content-Security-Policy", ContentSecurityPolicy(facts.host));
  SetIfAbsent(r, "X-Content-Type-Options", "nosniff");
  // Playlist and segment URLs may carry playback tokens: never leak a URL in a Referer.
  SetIfAbsent(r, "Referrer-Policy", "no-referrer");
  SetIfAbsent(r, "X-Frame-Options", "DENY");
  // The host console may preview the camera and microphone; nothing else is asked for.
  SetIfAbsent(r, "Permissions-Policy",
              "camera=(self), microphone=(self), fullscreen=(self), geolocation=(), payment=(), "
              "usb=(), serial=(), bluetooth=(), midi=(), interest-cohort=()");
  SetIfAbsent(r, "Cross-Origin-Opener-Policy", "same-origin");
  if (facts.secure) {
    SetIfAbsent(r, bhttp::field::strict_transport_security, "max-age=31536000; includeSubDomains");
  }
  if (OriginAllowed(facts.origin)) {
    r.set(bhttp::field::access_control_allow_origin, Bv(facts.origin));
    r.set(bhttp::field::access_control_allow_credentials, "true");
    r.set(bhttp::field::access_control_expose_headers, kExposedHeaders);
  } else {
    SetIfAbsent(r, "Cross-Origin-Resource-Policy", "same-origin");
  }
  if (!options_.cors_origins.empty()) {
    // Answers differ by Origin: caches must not hand one origin's answer to another.
    auto vary = r.find(bhttp::field::vary);
    if (vary == r.end()) {
      r.set(bhttp::field::vary, "Origin");
    } else if (absl::AsciiStrToLower(Av(vary->value())).find("origin") == std::string::npos) {
      r.set(bhttp::field::vary, absl::StrCat(Av(vary->value()), ", Origin"));
    }
  }
}

bool EdgePolicy::IsPreflight(const HttpRequest& request) {
  return request.method() == bhttp::verb::options &&
         request.find(bhttp::field::origin) != request.end() &&
         request.find(bhttp::field::access_control_request_method) != request.end();
}

HttpResponse EdgePolicy::Preflight(const HttpRequest& request) const {
  HttpResponse r;
  r.version(request.version());
  const std::string origin(request[bhttp::field::origin]);
  if (!OriginAllowed(origin)) {
    r.result(bhttp::status::forbidden);
    return r;
  }
  r.result(bhttp::status::no_content);
  r.set(bhttp::field::access_control_allow_methods, kAllowedMethods);
  // Echo the asked-for headers that are allowed; others are left out, and the browser then
  // refuses the real request.
  std::vector<std::string> allowed;
  for (absl::string_view h :
       absl::StrSplit(Av(request[bhttp::field::access_control_request_headers]), ',',
                      absl::SkipWhitespace())) {
    std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(h));
    if (std::find(std::begin(kAllowedRequestHeaders), std::end(kAllowedRequestHeaders), name) !=
        std::end(kAllowedRequestHeaders)) {
      allowed.push_back(std::move(name));
    }
  }
  if (!allowed.empty()) {
    r.set(bhttp::field::access_control_allow_headers, Bv(absl::StrJoin(allowed, ", ")));
  }
  r.set(bhttp::field::access_control_max_age, kPreflightMaxAge);
  return r;
}

}  // namespace shopcast::gateway::http
