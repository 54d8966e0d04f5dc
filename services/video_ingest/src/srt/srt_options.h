#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace shopcast::video_ingest::srt {

struct SrtOptions {
  std::string bind_address = "0.0.0.0";              // IPv4 or IPv6 literal.
  uint16_t port = 9000;                              // UDP; 0 picks a free port (tests).
  absl::Duration latency = absl::Milliseconds(200);  // SRTO_LATENCY / SRTO_RCVLATENCY.
  int max_connections = 200;  // Further handshakes are refused with SRT_REJX_OVERLOAD.
  std::string passphrase;     // Empty: no encryption. Otherwise 10..79 characters.
  int pbkeylen = 16;          // AES key length in bytes with a passphrase: 16, 24 or 32.
  absl::Duration idle_timeout = absl::Seconds(10);  // No media for this long: disconnected.
  int admission_threads = 2;  // Workers for the blocking PublishAdmission::Admit.
  int payload_size = 1316;    // SRTO_PAYLOADSIZE: seven 188-byte TS packets.
  // Media that arrives while the key is being checked is kept (the first bytes carry the
  // PAT/PMT and the first keyframe the packager needs) up to this bound; beyond it the
  // connection is cut, as admission is evidently stuck.
  size_t max_pending_bytes = 2 * 1024 * 1024;
  // libsrt serves the port from the first datagram on and lets go of it (its timers stop;
  // see held_udp_port.h) once no encoder has connected, published or tried for this long.
  // InfiniteDuration: served from Start to Stop.
  absl::Duration rest_after = absl::Seconds(30);
};

// OK when every field is in range; INVALID_ARGUMENT/SRT_OPTIONS_INVALID naming the field.
absl::Status ValidateSrtOptions(const SrtOptions& options);

}  // namespace shopcast::video_ingest::srt
