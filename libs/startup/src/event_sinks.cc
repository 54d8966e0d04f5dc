// Its own object file: it reads no flag, so a service without the shared flags (the user
// service) can parse its own --event_sinks with it.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shopcast/startup/service_config.h"

namespace shopcast::startup {

absl::Status ParseEventSinks(absl::string_view text, std::map<std::string, std::string>& out) {
  out.clear();
  std::string* last = nullptr;
  for (absl::string_view pair : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    // gRPC's multi-address targets ("ipv4:h:1,h:2", one channel spread by round_robin over
    // the replicas) carry commas: a part without '=' continues such a value.
    if (last != nullptr && !absl::StrContains(pair, '=') &&
        (absl::StartsWith(*last, "ipv4:") || absl::StartsWith(*last, "ipv6:"))) {
      absl::StrAppend(last, ",", pair);
      continue;
    }
    std::vector<std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    if (kv.size() != 2 || kv[0].empty() || kv[1].empty()) {
      return absl::InvalidArgumentError("event_sinks must be destination=host:port,…");
    }
    last = &(out[kv[0]] = kv[1]);
  }
  return absl::OkStatus();
}

}  // namespace shopcast::startup
