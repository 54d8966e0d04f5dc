// libFuzzer entry point for what the gateway's HTTP server parses itself: X-Request-Id,
// X-Forwarded-For behind trusted proxies, address blocks, the request target's safety check
// and routing, the web files' path rule, origins. Built by the fuzz preset (fuzz/fuzz.cmake)
// and replayed over its seed corpus in the normal build.
// Input: the first byte picks the parser, the rest is the text.

#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "http/request_rules.h"
#include "web/web_files.h"

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (false)

namespace {

namespace gh = shopcast::gateway::http;
namespace ip = boost::asio::ip;

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void CheckRequestId(absl::string_view text) {
  const std::string id = gh::RequestIdFor(text);
  FUZZ_CHECK(gh::IsValidRequestId(id));
  if (gh::IsValidRequestId(text)) FUZZ_CHECK(absl::string_view(id) == text);
}

void CheckForwardedFor(absl::string_view text) {
  static const auto trusted = *gh::ParseCidrs("10.0.0.0/8, fd00::/8, 127.0.0.1");
  const ip::address proxy = ip::make_address("10.1.2.3");
  const ip::address stranger = ip::make_address("198.51.100.1");
  const std::string client = gh::ClientAddress(proxy, text, trusted);
  boost::system::error_code ec;
  ip::make_address(client, ec);
  FUZZ_CHECK(!ec);  // Always an address, never header text.
  FUZZ_CHECK(gh::ClientAddress(stranger, text, trusted) == "198.51.100.1");
}

void CheckCidrs(absl::string_view text) {
  auto blocks = gh::ParseCidrs(text);
  if (!blocks.ok()) return;
  for (const gh::Cidr& c : *blocks) {
    FUZZ_CHECK(c.prefix >= 0 && c.prefix <= (c.network.is_v4() ? 32 : 128));
    FUZZ_CHECK(gh::InAnyCidr(c.network, {c}));
  }
}

void CheckTarget(absl::string_view target) {
  (void)gh::AreaOf(gh::PathOf(target));
  const absl::string_view path = gh::PathOf(target);
  if (gh::IsSafeTarget(target)) {
    FUZZ_CHECK(!path.empty() && path.front() == '/');
    FUZZ_CHECK(path.find('\\') == absl::string_view::npos);
    // No segment is "." or "..", however it was written.
    for (absl::string_view seg : absl::StrSplit(path.substr(1), '/')) {
      std::string decoded;
      for (size_t i = 0; i < seg.size(); ++i) {
        if (seg[i] == '%') {
          FUZZ_CHECK(i + 2 < seg.size());
          const int hi = Hex(seg[i + 1]);
          const int lo = Hex(seg[i + 2]);
          FUZZ_CHECK(hi >= 0 && lo >= 0);
          const char c = static_cast<char>(hi * 16 + lo);
          FUZZ_CHECK(c != '/' && c != '\\' && c != '\0');
          decoded.push_back(c);
          i += 2;
        } else {
          decoded.push_back(seg[i]);
        }
      }
      FUZZ_CHECK(decoded != "." && decoded != "..");
    }
  }
  if (shopcast::gateway::web::IsServablePath(path)) {
    FUZZ_CHECK(path.find('%') == absl::string_view::npos);
    FUZZ_CHECK(path.find("/.") == absl::string_view::npos);
    FUZZ_CHECK(path.find("//") == absl::string_view::npos);
  }
}

void CheckOrigin(absl::string_view text) {
  if (gh::IsOrigin(text)) {
    for (char c : text) FUZZ_CHECK(c > 0x20 && c < 0x7f && c != ';' && c != ',' && c != '"');
    const size_t scheme = text.find("://");
    FUZZ_CHECK(scheme != absl::string_view::npos);
    FUZZ_CHECK(text.find('/', scheme + 3) == absl::string_view::npos);
  }
  if (gh::IsPlainHost(text)) {
    for (char c : text) FUZZ_CHECK(c != ' ' && c != ';' && c != '\'' && c != '"' && c != ',');
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const absl::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 5) {
    case 0:
      CheckRequestId(text);
      break;
    case 1:
      CheckForwardedFor(text);
      break;
    case 2:
      CheckCidrs(text);
      break;
    case 3:
      CheckTarget(text);
      break;
    case 4:
      CheckOrigin(text);
      break;
  }
  return 0;
}
