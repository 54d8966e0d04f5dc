#include "srt/srt_options.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "shopcast/status/status.h"

namespace shopcast::video_ingest::srt {
namespace {

absl::Status Bad(absl::string_view field, absl::string_view message) {
  return InvalidArgument(field, "SRT_OPTIONS_INVALID", message);
}

}  // namespace

absl::Status ValidateSrtOptions(const SrtOptions& options) {
  in6_addr address{};
  if (inet_pton(AF_INET, options.bind_address.c_str(), &address) != 1 &&
      inet_pton(AF_INET6, options.bind_address.c_str(), &address) != 1) {
    return Bad("bind_address", "bind_address must be an IPv4 or IPv6 address literal");
  }
  if (options.latency < absl::ZeroDuration() || options.latency > absl::Seconds(60)) {
    return Bad("latency", "latency must be between 0 and 60 s");
  }
  if (options.max_connections < 1) return Bad("max_connections", "must be at least 1");
  if (!options.passphrase.empty() &&
      (options.passphrase.size() < 10 || options.passphrase.size() > 79)) {
    return Bad("passphrase", "an SRT passphrase has 10 to 79 characters");
  }
  if (options.pbkeylen != 16 && options.pbkeylen != 24 && options.pbkeylen != 32) {
    return Bad("pbkeylen", "pbkeylen must be 16, 24 or 32");
  }
  if (options.idle_timeout <= absl::ZeroDuration()) return Bad("idle_timeout", "must be > 0");
  if (options.admission_threads < 1) return Bad("admission_threads", "must be at least 1");
  if (options.payload_size < 188 || options.payload_size > 1456) {
    return Bad("payload_size", "payload_size must be between 188 and 1456 bytes");
  }
  if (options.max_pending_bytes == 0) return Bad("max_pending_bytes", "must be > 0");
  if (options.rest_after <= absl::ZeroDuration()) return Bad("rest_after", "must be > 0");
  return absl::OkStatus();
}

}  // namespace shopcast::video_ingest::srt
