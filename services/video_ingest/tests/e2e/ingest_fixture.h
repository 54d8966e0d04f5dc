#pragma once

// The video-ingest binary as encoders, players and the host's app meet it: started as a child
// process on a throwaway database and segment folder, driven over gRPC, fed by real ffmpeg and
// GStreamer publishers, and read back over HTTP like an HLS player.
//
// The binary binds every port as 0 and the fixture reads the real ones from its log, so no other
// process can take a port between the test choosing it and the binary binding it. The public
// URLs it announces are configured apart (kRtmpPublicUrl...), as behind a load balancer; the
// tests publish and play through the ports the binary reported.

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "nlohmann/json.hpp"
#include "shopcast/auth/tokens.h"
#include "shopcast/common/v1/event.pb.h"
#include "shopcast/testing/net.h"
#include "shopcast/testing/pg.h"
#include "shopcast/testing/process.h"
#include "shopcast/testing/temp_dir.h"
#include "shopcast/video_ingest/v1/video_ingest.grpc.pb.h"

namespace shopcast::video_ingest::e2e {

namespace v1 = shopcast::video_ingest::v1;

// What the server is configured to announce to hosts and viewers.
inline constexpr char kRtmpPublicUrl[] = "rtmp://ingest.shopcast.test/live";
inline constexpr char kSrtPublicUrl[] = "srt://ingest.shopcast.test:9000";
inline constexpr char kPlaybackBaseUrl[] = "https://play.shopcast.test";

class IngestServer;

struct ServerOptions {
  absl::Duration reconnect_grace = absl::Seconds(60);
  absl::Duration target_duration = absl::Seconds(1);
  // "" keeps the binary's default, the host name, which every server on this machine shares:
  // replicas of one deployment need names of their own.
  std::string instance_id;
  absl::Duration instance_lease = absl::ZeroDuration();  // Zero: the binary's default (30 s).
  // A running server whose database, signing keys, page-token key and segment root this one
  // shares, as two pods of one Deployment do during a rolling update; nullptr: a deployment of
  // its own. The peer must outlive the constructor, not the new server.
  const IngestServer* replica_of = nullptr;
  std::vector<std::string> extra_env;  // "SHOPCAST_VIDEO_INGEST_X=y"
  // A tools/dev-pki folder to take the internal credential from (its CA is then shared with
  // the peers a test runs beside, e.g. an event sink); "": a CA of the deployment's own.
  std::string service_pki_dir;
  // Where segments are written; "": a folder of the deployment's own. A consumer that reads
  // the segment files (recording-lifecycle's hot root) names the folder it shares; SegmentPath
  // then does not apply.
  std::string segment_root;
};

// CreateStream's answer. The announced endpoints are checked against the public URLs; the URLs
// here reach this server's real ports, for encoders to publish to.
struct CreatedStream {
  std::string id;
  std::string key;
  std::string rtmp_url;
  std::string srt_url;
};

// One media playlist entry.
struct PlaylistEntry {
  int64_t sequence = 0;
  absl::Time program_date_time;
  double duration = 0;
  std::string uri;
  bool discontinuity = false;
};

struct MediaPlaylist {
  int64_t media_sequence = 0;
  int target_duration = 0;
  bool ended = false;
  std::vector<PlaylistEntry> entries;
  std::string text;
};

// GET /live/<id>/live.m3u8 from the video-ingest HLS origin on 127.0.0.1:`hls_port`, parsed;
// an empty playlist when there is none (yet). (For a server this fixture did not start, e.g.
// the suite's.)
MediaPlaylist ReadLivePlaylist(int hls_port, const std::string& stream_id);

class IngestServer {
 public:
  // Returns once the server is ready (its `video_ingest_ready` line is logged and its health
  // service answers SERVING): migrations and start-up recovery have run.
  explicit IngestServer(ServerOptions options = {});
  ~IngestServer();

  // An access token for `user_id` with `role` ("host", "viewer", "admin").
  std::string Token(const std::string& user_id, const std::string& role) const;
  std::unique_ptr<v1::VideoIngestService::Stub> Stub() const;

  // CreateStream as host `host_id`; fails the test on error. `gated` sets an access price of
  // 4.99 USD.
  CreatedStream CreateStream(const std::string& host_id = "usr_host1", bool gated = false);
  // GetPlaybackToken as `user_id` with `role`.
  grpc::Status PlaybackToken(const std::string& stream_id, const std::string& user_id,
                             const std::string& role, v1::GetPlaybackTokenResponse* res) const;
  // Delivers order.access_pass_granted (or _revoked) for the order through the internal
  // EventSink as the order service's relay does; fails the test unless it is accepted.
  void DeliverPassEvent(bool granted, const std::string& order_id, const std::string& stream_id,
                        const std::string& viewer_id) const;
  // Delivers `events` through the internal EventSink as a peer's relay does (with a peer
  // certificate); fails the test unless every one is accepted.
  void DeliverEvents(const std::vector<common::v1::Event>& events) const;
  v1::Stream GetStream(const std::string& id) const;
  // Where a player reaches the stream's master playlist on this server's HLS port (the
  // announced playback URL names kPlaybackBaseUrl instead).
  std::string PlaybackUrl(const std::string& stream_id) const;
  // Polls GetStream until the status is `status`; false after `timeout`.
  bool WaitForStatus(const std::string& id, common::v1::StreamStatus status,
                     absl::Duration timeout) const;
  grpc::Status EndStream(const std::string& id, const std::string& host_id = "usr_host1");

  testing::HttpResponse Get(const std::string& path) const;
  // GET /live/<id>/live.m3u8, parsed; an empty playlist when there is none (yet).
  MediaPlaylist ReadPlaylist(const std::string& stream_id) const;
  // Polls until the live playlist lists at least `count` segments in all (media sequence +
  // entries); false after `timeout`.
  bool WaitForSegments(const std::string& stream_id, int64_t count, absl::Duration timeout) const;
  // The segment file on the hot tier.
  std::string SegmentPath(const std::string& stream_id, const std::string& uri) const;

  // Outbox events of `stream_id` (one destination's copy), oldest first.
  std::vector<common::v1::Event> Events(const std::string& stream_id) const;
  // When the instance `instance_id` last heart-beat (ingest_instances); InfinitePast() if never.
  absl::Time LastHeartbeat(const std::string& instance_id) const;

  std::string rtmp_url(const std::string& key) const;
  std::string srt_url(const std::string& key) const;
  // The internal listener (mutual TLS: LookupStreams, the EventSink), for a peer service a test
  // runs beside; and the public key its access tokens verify with (Token() signs them), for
  // that peer to accept the same tokens.
  int internal_grpc_port() const { return internal_grpc_port_; }
  std::string verify_key_file() const;
  int rtmp_port() const { return rtmp_port_; }
  int hls_port() const { return hls_port_; }
  int metrics_port() const { return metrics_port_; }
  std::string log() const { return proc_->log(); }
  // The Prometheus text of the metrics port.
  std::string Metrics() const;
  // The first log line with this event (see testing::ChildProcess::WaitForLogEvent).
  nlohmann::json WaitForLogEvent(const std::string& event, absl::Duration timeout) const {
    return proc_->WaitForLogEvent(event, timeout);
  }
  // A file for a client's log in the test's scratch folder (removed after the test).
  std::string LogPath(const std::string& name) const;
  // Any file `name` in that folder.
  std::string ScratchPath(const std::string& name) const;
  bool running() const { return proc_->running(); }
  // The server's resident memory now (VmRSS of /proc/<pid>/status), in bytes.
  int64_t ResidentBytes() const;
  // SIGTERM, as Kubernetes stops a pod; the exit code, or -1 if it did not exit in `timeout`.
  int Terminate(absl::Duration timeout);
  // SIGKILL: the process vanishes without draining or a goodbye (a crashed pod, a lost node).
  // Returns once it is gone.
  void Kill();

 private:
  // What the replicas of one deployment share: the database, the scratch folder (keys, segment
  // root, logs) and the token issuer. Removed with the last replica.
  struct Deployment;
  // A database, keys and an internal credential for a new deployment.
  static std::shared_ptr<Deployment> NewDeployment(const std::string& service_pki_dir);

  std::shared_ptr<Deployment> deployment_;
  int grpc_port_ = 0, internal_grpc_port_ = 0, metrics_port_ = 0, rtmp_port_ = 0, srt_port_ = 0,
      hls_port_ = 0;
  std::unique_ptr<testing::ChildProcess> proc_;
};

// A real encoder publishing a test pattern (with audio) in real time.
class Publisher {
 public:
  // kFfmpegRtmp encodes with B-frames (as OBS does), kFfmpegSrt without.
  // kFfmpegRtmpH263: Sorenson H.263 video, which the packager does not take (no transcoding).
  // Every kind sends `seconds` of 30 fps video (kFramesPerSecond) with sound.
  enum class Kind { kFfmpegRtmp, kFfmpegSrt, kGstRtmp, kFfmpegRtmpH263 };
  static constexpr int kFramesPerSecond = 30;
  // `video_filter` (ffmpeg kinds; "" = none): a filter chain ffmpeg draws on the 640×360 test
  // pattern before encoding (-vf), e.g. a burned-in frame counter.
  Publisher(Kind kind, const std::string& url, double seconds, const std::string& log_path,
            const std::string& video_filter = "");
  // Waits for the encoder to exit; its exit code, or -1 after `timeout`.
  int Wait(absl::Duration timeout);
  bool running() { return proc_->running(); }
  void Kill();  // SIGKILL: the encoder vanishes without a goodbye (a dropped connection).
  std::string log() const { return proc_->log(); }
  // ffmpeg kinds, once exited: the bytes ffmpeg muxed and handed to the network.
  uint64_t SentBytes() const;

 private:
  std::unique_ptr<testing::ChildProcess> proc_;
  std::string progress_path_;  // ffmpeg's -progress report.
};

// Parses an event's payload into `message`; the test fails if it is another type.
void UnpackPayload(const common::v1::Event& event, google::protobuf::Message* message);

// The payloads of the events of `type` ("video_ingest.stream_went_live"), oldest first.
template <typename T>
std::vector<T> Payloads(const std::vector<common::v1::Event>& events, const std::string& type) {
  std::vector<T> out;
  for (const auto& e : events) {
    if (e.type() != type) continue;
    UnpackPayload(e, &out.emplace_back());
  }
  return out;
}

// Runs `argv` to completion and returns its standard output (the test fails if it cannot run).
std::string RunTool(const std::vector<std::string>& argv);
// ffmpeg decodes the whole file; its error output ("" when clean).
std::string DecodeErrors(const std::string& path);
// ffprobe's container duration of `path` in seconds.
double ProbeDuration(const std::string& path);
// Codec names of the streams in `path` ("h264", "aac").
std::vector<std::string> ProbeCodecs(const std::string& path);
// How many video frames decode from `path`.
int DecodedVideoFrames(const std::string& path);

}  // namespace shopcast::video_ingest::e2e
