#pragma once

// The seam between the protocol servers (RTMP, SRT) and the rest of video-ingest. A protocol
// server only speaks its protocol: it asks a PublishAdmission whether an encoder may publish
// with the key it presented and, once admitted, hands every byte of media to the MediaSession it
// got back, in the container its protocol carries (FLV for RTMP, MPEG-TS for SRT). Everything
// about streams, status and packaging lives behind this interface.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace shopcast::video_ingest {

enum class IngestProtocol { kRtmp, kSrt };

// The byte stream a MediaSession receives.
enum class MediaFormat {
  kFlv,     // FLV file header, then tags (RTMP audio/video/script messages as FLV tags).
  kMpegTs,  // 188-byte MPEG transport stream packets.
};

// Longest stream key a protocol server passes on; longer ones are refused unread.
inline constexpr size_t kMaxStreamKeyBytes = 128;

struct PublishRequest {
  IngestProtocol protocol = IngestProtocol::kRtmp;
  std::string stream_key;      // Secret: never logged.
  std::string remote_address;  // "203.0.113.7:50512"
};

// The admitted publisher's media sink. Thread-safe; never blocks the caller (a protocol I/O
// thread): media is queued and packaged on other threads.
class MediaSession {
 public:
  virtual ~MediaSession() = default;

  // Queues container bytes. False means the session is over (ended by the host, stalled, queue
  // overflow, packager failure): the protocol server must close the connection.
  virtual bool Write(std::span<const uint8_t> bytes) = 0;

  // The encoder is gone (closed, timed out, protocol error: `why`). Called once; Write is not
  // called afterwards.
  virtual void Close(const absl::Status& why) = 0;

  // Instead of Close: the protocol server refused the media itself, after telling the encoder
  // why (INVALID_ARGUMENT/UNSUPPORTED_CODEC: a codec the packager does not take, found in the
  // first media). The session ends as REJECTED with that reason rather than as a disconnect;
  // the stream keeps its status. The default treats it as a Close.
  virtual void Refuse(const absl::Status& why) { Close(why); }
};

// Lets the service side cut a connection (EndStream, key rotation, packager failure). Must be
// safe to call from any thread, more than once, and after the connection is already gone.
using DisconnectFn = std::function<void()>;

class PublishAdmission {
 public:
  virtual ~PublishAdmission() = default;

  // Checks the key and claims its stream for this publisher. Blocking (database): never call it
  // on an I/O thread. Errors carry a reason: PERMISSION_DENIED/STREAM_KEY_INVALID (unknown key),
  // FAILED_PRECONDITION/ALREADY_PUBLISHING (another encoder is live on the stream),
  // FAILED_PRECONDITION/STREAM_ENDED, UNAVAILABLE (database down: the encoder may retry).
  virtual absl::StatusOr<std::shared_ptr<MediaSession>> Admit(const PublishRequest& request,
                                                              MediaFormat format,
                                                              DisconnectFn disconnect) = 0;

  // A quick look before the connection is made, for protocol servers that can refuse inside
  // their handshake (SRT's listen callback) so the encoder is told why instead of being
  // connected and cut. Never blocks (no database; callable on an I/O thread) and claims nothing:
  // OK means only "go on to Admit". RESOURCE_EXHAUSTED/PUBLISH_BACKOFF for a key and address
  // that keep being refused. OK by default.
  virtual absl::Status Prescreen(const PublishRequest& /*request*/) { return absl::OkStatus(); }
};

}  // namespace shopcast::video_ingest
