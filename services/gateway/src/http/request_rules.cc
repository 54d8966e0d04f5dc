#include "http/request_rules.h"

#include <array>
#include <cstdint>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace shopcast::gateway::http {
namespace {

namespace ip = boost::asio::ip;

// Decimal digits only (absl::SimpleAtoi would also take whitespace and signs), at most 9.
bool StrictNumber(absl::string_view text, uint32_t* out) {
  if (text.empty() || text.size() > 9) return false;
  uint32_t v = 0;
  for (char c : text) {
    if (!absl::ascii_isdigit(c)) return false;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  *out = v;
  return true;
}

// IPv4-mapped IPv6 (::ffff:a.b.c.d) as IPv4, so a dual-stack listener's peers compare with
// IPv4 blocks.
ip::address Canonical(const ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  }
  return a;
}

bool ParseAddress(absl::string_view text, ip::address* out) {
  // Digits, hex, dots and colons only: no zone ids ("%eth0"), spaces or NULs (which the
  // C-string parser below would stop at).
  if (text.empty() || text.size() > 45) return false;
  for (char c : text) {
    if (!absl::ascii_isxdigit(c) && c != '.' && c != ':') return false;
  }
  boost::system::error_code ec;
  ip::address a = ip::make_address(std::string(text), ec);
  if (ec) return false;
  *out = Canonical(a);
  return true;
}

// An X-Forwarded-For hop: an address, optionally "[v6]" or "v4:port" as some proxies write.
bool ParseHop(absl::string_view hop, ip::address* out) {
  hop = absl::StripAsciiWhitespace(hop);
  if (hop.empty() || hop.size() > 64) return false;
  if (ParseAddress(hop, out)) return true;
  if (hop.front() == '[') {
    const size_t close = hop.find(']');
    if (close == absl::string_view::npos) return false;
    absl::string_view rest = hop.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return false;
    return ParseAddress(hop.substr(1, close - 1), out);
  }
  const size_t colon = hop.find(':');
  if (colon != absl::string_view::npos && hop.find(':', colon + 1) == absl::string_view::npos) {
    uint32_t port = 0;
    if (!StrictNumber(hop.substr(colon + 1), &port) || port > 65535) return false;
    ip::address a;
    if (!ParseAddress(hop.substr(0, colon), &a) || !a.is_v4()) return false;
    *out = a;
    return true;
  }
  return false;
}

bool PrefixMatches(const ip::address& a, const Cidr& c) {
  if (a.is_v4() != c.network.is_v4()) return false;
  if (a.is_v4()) {
    const uint32_t mask = c.prefix == 0 ? 0 : ~uint32_t{0} << (32 - c.prefix);
    return (a.to_v4().to_uint() & mask) == (c.network.to_v4().to_uint() & mask);
  }
  const auto x = a.to_v6().to_bytes();
  const auto y = c.network.to_v6().to_bytes();
  int bits = c.prefix;
  for (size_t i = 0; i < x.size() && bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((x[i] & mask) != (y[i] & mask)) return false;
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool HostBitsSet(const Cidr& c) {
  if (c.network.is_v4()) {
    const auto bytes = c.network.to_v4().to_bytes();
    for (int bit = c.prefix; bit < 32; ++bit) {
      if (bytes[static_cast<size_t>(bit / 8)] & (0x80 >> (bit % 8))) return true;
    }
    return false;
  }
  const auto bytes = c.network.to_v6().to_bytes();
  for (int bit = c.prefix; bit < 128; ++bit) {
    if (bytes[static_cast<size_t>(bit / 8)] & (0x80 >> (bit % 8))) return true;
  }
  return false;
}

bool IsHostChar(char c) { return absl::ascii_isalnum(c) || c == '-' || c == '.'; }

bool IsPort(absl::string_view p) {
  uint32_t port = 0;
  return p.size() <= 5 && StrictNumber(p, &port) && port >= 1 && port <= 65535;
}

}  // namespace

bool IsValidRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

std::string NewRequestId() {
  thread_local absl::BitGen gen;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (size_t i = 0; i < id.size(); i += 16) {
    uint64_t r = absl::Uniform<uint64_t>(gen);
    for (size_t j = 0; j < 16; ++j, r >>= 4) id[i + j] = kHex[r & 0xf];
  }
  return id;
}

std::string RequestIdFor(absl::string_view client_value) {
  if (IsValidRequestId(client_value)) return std::string(client_value);
  return NewRequestId();
}

absl::StatusOr<std::vector<Cidr>> ParseCidrs(absl::string_view comma_separated) {
  std::vector<Cidr> out;
  for (absl::string_view part : absl::StrSplit(comma_separated, ',', absl::SkipWhitespace())) {
    part = absl::StripAsciiWhitespace(part);
    absl::string_view addr = part;
    int prefix = -1;
    if (const size_t slash = part.find('/'); slash != absl::string_view::npos) {
      addr = part.substr(0, slash);
      uint32_t bits = 0;
      if (!StrictNumber(part.substr(slash + 1), &bits) || bits > 128) {
        return absl::InvalidArgumentError(absl::StrCat("bad prefix length in '", part, "'"));
      }
      prefix = static_cast<int>(bits);
    }
    boost::system::error_code ec;
    const ip::address network = ip::make_address(std::string(addr), ec);
    if (ec) return absl::InvalidArgumentError(absl::StrCat("not an address block: '", part, "'"));
    Cidr c{Canonical(network), 0};
    const int max = c.network.is_v4() ? 32 : 128;
    if (c.network.is_v4() && network.is_v6() && prefix >= 0) prefix -= 96;  // ::ffff:a.b.c.d/n
    c.prefix = prefix < 0 ? max : prefix;
    if (c.prefix > max || c.prefix < 0) {
      return absl::InvalidArgumentError(absl::StrCat("prefix length out of range in '", part, "'"));
    }
    // Host bits set usually means a typo (10.0.0.1/8 meant 10.0.0.0/8, or a /32).
    if (HostBitsSet(c)) {
      return absl::InvalidArgumentError(absl::StrCat("host bits set in '", part, "'"));
    }
    out.push_back(c);
  }
  return out;
}

bool InAnyCidr(const ip::address& address, const std::vector<Cidr>& blocks) {
  const ip::address a = Canonical(address);
  for (const Cidr& c : blocks) {
    if (PrefixMatches(a, c)) return true;
  }
  return false;
}

std::string ClientAddress(const ip::address& peer, absl::string_view forwarded_for,
                          const std::vector<Cidr>& trusted_proxies) {
  ip::address client = Canonical(peer);
  if (!InAnyCidr(client, trusted_proxies)) return client.to_string();
  std::vector<absl::string_view> hops = absl::StrSplit(forwarded_for, ',');
  // At most this many hops are looked at: a header is bounded by the head limit anyway, but
  // the walk should not depend on it.
  constexpr size_t kMaxHops = 32;
  size_t looked = 0;
  for (auto it = hops.rbegin(); it != hops.rend() && looked < kMaxHops; ++it, ++looked) {
    ip::address hop;
    if (!ParseHop(*it, &hop)) break;
    client = hop;
    if (!InAnyCidr(hop, trusted_proxies)) break;
  }
  return client.to_string();
}

bool IsLoopback(const ip::address& address) { return Canonical(address).is_loopback(); }

absl::string_view PathOf(absl::string_view target) {
  const size_t q = target.find('?');
  return q == absl::string_view::npos ? target : target.substr(0, q);
}

bool IsSafeTarget(absl::string_view target) {
  if (target.empty() || target.front() != '/') return false;
  for (char c : target) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  const absl::string_view path = PathOf(target);
  if (path.find('#') != absl::string_view::npos || path.find('\\') != absl::string_view::npos) {
    return false;
  }
  // Decode percent escapes segment by segment to spot what must never be hidden in them.
  const std::vector<absl::string_view> segments = absl::StrSplit(path.substr(1), '/');
  for (size_t n = 0; n < segments.size(); ++n) {
    const absl::string_view segment = segments[n];
    // Empty only as the root ("/") or after a final slash ("/host/"), never "//".
    if (segment.empty() && n + 1 != segments.size()) return false;
    std::string decoded;
    for (size_t i = 0; i < segment.size(); ++i) {
      if (segment[i] != '%') {
        decoded.push_back(segment[i]);
        continue;
      }
      if (i + 2 >= segment.size()) return false;
      const int hi = HexValue(segment[i + 1]);
      const int lo = HexValue(segment[i + 2]);
      if (hi < 0 || lo < 0) return false;
      const char c = static_cast<char>(hi * 16 + lo);
      if (c == '/' || c == '\\' || c == '\0') return false;
      decoded.push_back(c);
      i += 2;
    }
    if (decoded == "." || decoded == "..") return false;
  }
  return true;
}

Area AreaOf(absl::string_view path) {
  auto under = [path](absl::string_view prefix) {
    return path == prefix || absl::StartsWith(path, absl::StrCat(prefix, "/"));
  };
  if (under("/api") || path == "/openapi.json") return Area::kApi;
  if (under("/live") || under("/vod")) return Area::kHls;
  if (under("/images")) return Area::kImages;
  if (under("/ws")) return Area::kWs;
  return Area::kWeb;
}

absl::string_view AreaName(Area area) {
  switch (area) {
    case Area::kApi:
      return "api";
    case Area::kHls:
      return "hls";
    case Area::kImages:
      return "images";
    case Area::kWs:
      return "ws";
    case Area::kWeb:
      return "web";
  }
  return "web";
}

bool IsOrigin(absl::string_view text) {
  absl::string_view rest = text;
  if (!absl::ConsumePrefix(&rest, "https://") && !absl::ConsumePrefix(&rest, "http://")) {
    return false;
  }
  return !rest.empty() && IsPlainHost(rest);
}

bool IsPlainHost(absl::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  if (host.front() == '[') {
    const size_t close = host.find(']');
    if (close == absl::string_view::npos) return false;
    ip::address a;
    if (!ParseAddress(host.substr(1, close - 1), &a)) return false;
    absl::string_view rest = host.substr(close + 1);
    return rest.empty() || (rest.front() == ':' && IsPort(rest.substr(1)));
  }
  absl::string_view name = host;
  if (const size_t colon = host.find(':'); colon != absl::string_view::npos) {
    if (!IsPort(host.substr(colon + 1))) return false;
    name = host.substr(0, colon);
  }
  if (name.empty() || name.front() == '.' || name.front() == '-') return false;
  for (char c : name) {
    if (!IsHostChar(c)) return false;
  }
  return true;
}

}  // namespace shopcast::gateway::http
