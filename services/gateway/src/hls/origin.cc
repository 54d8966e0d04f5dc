#include "hls/origin.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"

namespace shopcast::gateway::hls {

std::optional<Origin> ParseOrigin(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme || url.size() > 255) return std::nullopt;
  std::string_view authority = url.substr(kScheme.size());
  if (!authority.empty() && authority.back() == '/') authority.remove_suffix(1);
  if (authority.empty()) return std::nullopt;
  for (char c : authority) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != ':' &&
        c != '[' && c != ']') {
      return std::nullopt;
    }
  }
  Origin o;
  o.host_header = std::string(authority);
  std::string_view host = authority;
  std::string_view port = "80";
  if (authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
    }
  } else if (size_t colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  uint32_t number = 0;
  if (host.empty() || !absl::SimpleAtoi(absl::string_view(port.data(), port.size()), &number) ||
      number == 0 || number > 65535) {
    return std::nullopt;
  }
  o.host = std::string(host);
  o.port = std::to_string(number);
  return o;
}

}  // namespace shopcast::gateway::hls
