#pragma once

// An HLS origin as video-ingest advertises it: "http://host[:port]".

#include <optional>
#include <string>
#include <string_view>

namespace shopcast::gateway::hls {

struct Origin {
  std::string host;         // name or IP literal (IPv6 without brackets)
  std::string port;         // "80" when the URL names none
  std::string host_header;  // what the Host header says: "host[:port]" as in the URL
  std::string key() const { return host + "|" + port; }
};

// nullopt unless `url` is http://host[:port] with an optional trailing "/" and nothing else.
std::optional<Origin> ParseOrigin(std::string_view url);

}  // namespace shopcast::gateway::hls
