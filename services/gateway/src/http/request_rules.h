#pragma once

// What the server reads from a request head itself, as pure functions (unit-tested and fuzzed):
// the request id, the client's address behind trusted proxies, the target's shape, and which
// area a path belongs to.

#include <boost/asio/ip/address.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace shopcast::gateway::http {

// ---- request id (RequestContext::request_id) ----

// 1..64 of [A-Za-z0-9._-].
bool IsValidRequestId(absl::string_view id);
// A new random id: 32 lower-case hex digits.
std::string NewRequestId();
// The client's X-Request-Id if valid, else a new one.
std::string RequestIdFor(absl::string_view client_value);

// ---- client address ----

// An address block, e.g. 10.0.0.0/8 or fd00::/8 (a bare address is a /32 or /128).
struct Cidr {
  boost::asio::ip::address network;
  int prefix = 0;
};

// "10.0.0.0/8, 192.168.1.7" → blocks. INVALID_ARGUMENT naming the bad entry otherwise (host
// bits set, prefix out of range, not an address).
absl::StatusOr<std::vector<Cidr>> ParseCidrs(absl::string_view comma_separated);

// True if `address` lies in one of `blocks` (an IPv4-mapped IPv6 address counts as its IPv4).
bool InAnyCidr(const boost::asio::ip::address& address, const std::vector<Cidr>& blocks);

// The client of a request whose TCP peer is `peer`: the peer itself, unless the peer is a
// trusted proxy; then X-Forwarded-For (`forwarded_for`, every such header joined with ",") is
// walked from the right past trusted hops, and the first untrusted hop is the client. A hop that
// is not an address ends the walk at the hop before it (never believed). Returns the address
// as text, IPv4-mapped addresses as IPv4.
std::string ClientAddress(const boost::asio::ip::address& peer, absl::string_view forwarded_for,
                          const std::vector<Cidr>& trusted_proxies);

// True for 127.0.0.0/8 and ::1 (and their IPv4-mapped forms).
bool IsLoopback(const boost::asio::ip::address& address);

// ---- targets and routing ----

// The path of an origin-form target ("/a/b?x" → "/a/b").
absl::string_view PathOf(absl::string_view target);

// True if the target is origin-form ("/…") of visible ASCII, and its path has no empty, "." or
// ".." segment (written plainly or percent-encoded), no encoded "/", "\" or NUL, and no
// backslash. What every area may then rely on.
bool IsSafeTarget(absl::string_view target);

enum class Area { kApi, kHls, kImages, kWs, kWeb };

// /api/… and /openapi.json → api; /live/… and /vod/… → hls; /images and /images/… → images;
// /ws and /ws/… → ws; else web.
Area AreaOf(absl::string_view path);
absl::string_view AreaName(Area area);

// "https://shop.example" or "http://localhost:5173": scheme http(s), a host, an optional port,
// nothing else. What the CORS allow-list holds and what an Origin header must look like.
bool IsOrigin(absl::string_view text);

// A Host header safe to repeat in a policy: a DNS name or IPv4 address with an optional port,
// or a bracketed IPv6 address with an optional port.
bool IsPlainHost(absl::string_view host);

}  // namespace shopcast::gateway::http
