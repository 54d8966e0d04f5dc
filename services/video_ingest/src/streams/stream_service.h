#pragma once

// The gRPC surface of streams: proto <-> domain and status mapping, nothing else.

#include <functional>

#include "absl/time/time.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/server/executor.h"
#include "shopcast/video_ingest/v1/video_ingest.grpc.pb.h"
#include "streams/streams.h"

namespace shopcast::video_ingest::streams {

class StreamServiceImpl final : public vpb::VideoIngestService::CallbackService {
 public:
  // `revoked` (may be null in unit tests) voids tokens of demoted, logged-out or deleted users.
  StreamServiceImpl(Streams& streams, const auth::TokenVerifier& verifier,
                    server::Executor& executor, std::function<absl::Time()> clock = absl::Now,
                    const auth::RevocationList* revoked = nullptr);

  grpc::ServerUnaryReactor* CreateStream(grpc::CallbackServerContext* ctx,
                                         const vpb::CreateStreamRequest* req,
                                         vpb::CreateStreamResponse* res) override;
  grpc::ServerUnaryReactor* RotateStreamKey(grpc::CallbackServerContext* ctx,
                                            const vpb::RotateStreamKeyRequest* req,
                                            vpb::RotateStreamKeyResponse* res) override;
  grpc::ServerUnaryReactor* GetStream(grpc::CallbackServerContext* ctx,
                                      const vpb::GetStreamRequest* req,
                                      vpb::GetStreamResponse* res) override;
  grpc::ServerUnaryReactor* UpdateStream(grpc::CallbackServerContext* ctx,
                                         const vpb::UpdateStreamRequest* req,
                                         vpb::UpdateStreamResponse* res) override;
  grpc::ServerUnaryReactor* ListLiveStreams(grpc::CallbackServerContext* ctx,
                                            const vpb::ListLiveStreamsRequest* req,
                                            vpb::ListLiveStreamsResponse* res) override;
  grpc::ServerUnaryReactor* ListUpcomingStreams(grpc::CallbackServerContext* ctx,
                                                const vpb::ListUpcomingStreamsRequest* req,
                                                vpb::ListUpcomingStreamsResponse* res) override;
  grpc::ServerUnaryReactor* ListMyStreams(grpc::CallbackServerContext* ctx,
                                          const vpb::ListMyStreamsRequest* req,
                                          vpb::ListMyStreamsResponse* res) override;
  grpc::ServerUnaryReactor* EndStream(grpc::CallbackServerContext* ctx,
                                      const vpb::EndStreamRequest* req,
                                      vpb::EndStreamResponse* res) override;
  grpc::ServerUnaryReactor* ForceEndStream(grpc::CallbackServerContext* ctx,
                                           const vpb::ForceEndStreamRequest* req,
                                           vpb::ForceEndStreamResponse* res) override;
  grpc::ServerUnaryReactor* GetPlaybackToken(grpc::CallbackServerContext* ctx,
                                             const vpb::GetPlaybackTokenRequest* req,
                                             vpb::GetPlaybackTokenResponse* res) override;

 private:
  absl::StatusOr<auth::Caller> Authenticate(const grpc::CallbackServerContext& ctx) const;
  // Fills `out` as `viewer` may see it (the host sees ingest info and the session).
  void Fill(const StreamRow& row, const std::string& viewer, vpb::Stream* out) const;

  Streams& streams_;
  const auth::TokenVerifier& verifier_;
  server::Executor& executor_;
  std::function<absl::Time()> clock_;
  const auth::RevocationList* revoked_;
};

// Internal RPCs for peer services; never exposed by the gateway. Served only on the internal
// listener (ServiceHost::AddInternalService), where the caller's service certificate is checked.
class StreamInternalServiceImpl final : public vpb::VideoIngestInternalService::CallbackService {
 public:
  StreamInternalServiceImpl(Streams& streams, server::Executor& executor);

  grpc::ServerUnaryReactor* LookupStreams(grpc::CallbackServerContext* ctx,
                                          const vpb::LookupStreamsRequest* req,
                                          vpb::LookupStreamsResponse* res) override;
  grpc::ServerUnaryReactor* ListSegments(grpc::CallbackServerContext* ctx,
                                         const vpb::ListSegmentsRequest* req,
                                         vpb::ListSegmentsResponse* res) override;

 private:
  Streams& streams_;
  server::Executor& executor_;
};

}  // namespace shopcast::video_ingest::streams
