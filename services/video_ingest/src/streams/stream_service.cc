#include "streams/stream_service.h"

#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"
#include "streams/proto_mapping.h"
#include "streams/proto_time.h"

namespace shopcast::video_ingest::streams {
namespace {

using server::FinishNow;
using server::RunBlocking;

absl::Status BadMask(absl::string_view why) {
  return InvalidArgument("update_mask", "UPDATE_MASK_INVALID", why);
}

absl::StatusOr<StreamUpdate> UpdateFrom(const vpb::UpdateStreamRequest& req) {
  if (req.update_mask().paths_size() == 0) return BadMask("update_mask names no field");
  StreamUpdate u;
  const vpb::Stream& s = req.stream();
  for (const std::string& path : req.update_mask().paths()) {
    if (path == "title") {
      u.title = s.title();
    } else if (path == "description") {
      u.description = s.description();
    } else if (path == "tags") {
      u.tags = std::vector<std::string>(s.tags().begin(), s.tags().end());
    } else if (path == "scheduled_start_at") {
      std::optional<absl::Time> at;
      if (s.has_scheduled_start_at()) {
        ASSIGN_OR_RETURN(at, FromClientProto(s.scheduled_start_at(), "stream.scheduled_start_at"));
      }
      u.scheduled_start_at.emplace(at);  // set, to a time or to nothing (clear)
    } else if (path == "gated") {
      u.gated = s.gated();
    } else if (path == "access_price") {
      if (!s.has_access_price()) {
        return InvalidArgument("stream.access_price", "ACCESS_PRICE_REQUIRED",
                               "a price cannot be removed; ungate the stream instead");
      }
      u.access_price = AccessPrice{s.access_price().amount_minor(), s.access_price().currency()};
    } else {
      return BadMask(
          "update_mask may name only title, description, tags, scheduled_start_at, gated, "
          "access_price");
    }
  }
  u.expected_version = s.version();
  return u;
}

}  // namespace

StreamServiceImpl::StreamServiceImpl(Streams& streams, const auth::TokenVerifier& verifier,
                                     server::Executor& executor, std::function<absl::Time()> clock,
                                     const auth::RevocationList* revoked)
    : streams_(streams),
      verifier_(verifier),
      executor_(executor),
      clock_(std::move(clock)),
      revoked_(revoked) {}

absl::StatusOr<auth::Caller> StreamServiceImpl::Authenticate(
    const grpc::CallbackServerContext& ctx) const {
  return auth::AuthenticateCaller(ctx, verifier_, revoked_, clock_());
}

void StreamServiceImpl::Fill(const StreamRow& row, const std::string& viewer,
                             vpb::Stream* out) const {
  StreamView view;
  view.playback_base_url = streams_.store_options().playback_base_url;
  view.host_view = !viewer.empty() && viewer == row.host_id;
  view.rtmp_server_url = streams_.options().rtmp_public_url;
  view.srt_server_url = streams_.options().srt_public_url;
  ToProto(row, view, out);
}

grpc::ServerUnaryReactor* StreamServiceImpl::CreateStream(grpc::CallbackServerContext* ctx,
                                                          const vpb::CreateStreamRequest* req,
                                                          vpb::CreateStreamResponse* res) {
  auto caller = Authenticate(*ctx);
  if (!caller.ok()) return FinishNow(ctx, caller.status());
  CreateInput in;
  in.title = req->title();
  in.description = req->description();
  in.tags.assign(req->tags().begin(), req->tags().end());
  if (req->has_scheduled_start_at()) {
    auto at = FromClientProto(req->scheduled_start_at(), "scheduled_start_at");
    if (!at.ok()) return FinishNow(ctx, at.status());
    in.scheduled_start_at = *at;
  }
  in.idempotency_key = req->idempotency_key();
  in.gated = req->gated();
  if (req->has_access_price()) {
    in.access_price =
        AccessPrice{req->access_price().amount_minor(), req->access_price().currency()};
  }
  return RunBlocking(ctx, executor_, [this, res, c = *caller, in]() -> absl::Status {
    ASSIGN_OR_RETURN(auto created, streams_.Create(c, in));
    Fill(created.first, c.user_id, res->mutable_stream());
    ToProto(created.second, res->mutable_endpoints());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StreamServiceImpl::RotateStreamKey(grpc::CallbackServerContext* ctx,
                                                             const vpb::RotateStreamKeyRequest* req,
                                                             vpb::RotateStreamKeyResponse* res) {
  auto caller = Authenticate(*ctx);
  if (!caller.ok()) return FinishNow(ctx, caller.status());
  return RunBlocking(ctx, executor_, [this, req, res, c = *caller]() -> absl::Status {
    ASSIGN_OR_RETURN(auto rotated,
                     streams_.RotateKey(c, req->stream_id(), req->disconnect_active_session()));
    Fill(rotated.first, c.user_id, res->mutable_stream());
    ToProto(rotated.second, res->mutable_endpoints());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StreamServiceImpl::GetStream(grpc::CallbackServerContext* ctx,
                                                       const vpb::GetStreamRequest* req,
                                                       vpb::GetStreamResponse* res) {
  // Public: a token is optional, but a bad one is still refused rather than ignored.
  std::string viewer;
  if (ctx->client_metadata().count("authorization") > 0) {
    auto caller = Authenticate(*ctx);
    if (!caller.ok()) return FinishNow(ctx, caller.status());
    viewer = caller->user_id;
  }
  return RunBlocking(ctx, executor_, [this, req, res, viewer]() -> absl::Status {
    ASSIGN_OR_RETURN(StreamRow row, streams_.Get(req->stream_id()));
    Fill(row, viewer, res->mutable_stream());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StreamServiceImpl::UpdateStream(grpc::CallbackServerContext* ctx,
                                                          const vpb::UpdateStreamRequest* req,
                                                          vpb::UpdateStreamResponse* res) {
  auto caller = Authenticate(*ctx);
  if (!caller.ok()) return FinishNow(ctx, caller.status());
  auto update = UpdateFrom(*req);
  if (!update.ok()) return FinishNow(ctx, update.status());
  return RunBlocking(ctx, executor_,
                     [this, req, res, c = *caller, u = *std::move(update)]() -> absl::Status {
                       ASSIGN_OR_RETURN(StreamRow row, streams_.Update(c, req->stream().id(), u));
                       Fill(row, c.user_id, res->mutable_stream());
                       return absl::OkStatus();
                     });
}

grpc::ServerUnaryReactor* StreamServiceImpl::ListLiveStreams(grpc::CallbackServerContext* ctx,
                                                             const vpb::ListLiveStreamsRequest* req,
                                                             vpb::ListLiveStreamsResponse* res) {
  return RunBlocking(ctx, executor_, [this, req, res]() -> absl::Status {
    ASSIGN_OR_RETURN(auto listed,
                     streams_.ListLive(req->tag(), req->host_id(), req->page().page_size(),
                                       req->page().page_token()));
    for (const StreamRow& row : listed.page.streams) Fill(row, "", res->add_streams());
    res->mutable_page()->set_next_page_token(listed.next_page_token);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StreamServiceImpl::ListUpcomingStreams(
    grpc::CallbackServerContext* ctx, const vpb::ListUpcomingStreamsRequest* req,
    vpb::ListUpcomingStreamsResponse* res) {
  return RunBlocking(ctx, executor_, [this, req, res]() -> absl::Status {
    ASSIGN_OR_RETURN(auto listed,
                     streams_.ListUpcoming(req->tag(), req->host_id(), req->page().page_size(),
                                           req->page().page_token()));
    for (const StreamRow& row : listed.page.streams) Fill(row, "", res->add_streams());
    res->mutable_page()->set_next_page_token(listed.next_page_token);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StreamServiceImpl::ListMyStreams(grpc::CallbackServerContext* ctx,
                                                           const vpb::ListMyStreamsRequest* req,
                                                           vpb::ListMyStreamsResponse* res) {
  auto caller = Authenticate(*ctx);
  if (!caller.ok()) return FinishNow(ctx, caller.status());
  return RunBlocking(ctx, executor_, [this, req, res, c = *caller]() -> absl::Status {
    std::vector<cpb::StreamStatus> statuses;
    for (int s : req->statuses()) statuses.push_back(static_cast<cpb::StreamStatus>(s));
    ASSIGN_OR_RETURN(auto listed, streams_.ListMine(c, statuses, req->page().page_size(),
                                                    req->page().page_token()));
    for (const StreamRow& row : listed.page.streams) Fill(row, c.user_id, res->add_streams());
    res->mutable_page()->set_next_page_token(listed.next_page_token);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StreamServiceImpl::EndStream(grpc::CallbackServerContext* ctx,
                                                       const vpb::EndStreamRequest* req,
                                                       vpb::EndStreamResponse* res) {
  auto caller = Authenticate(*ctx);
  if (!caller.ok()) return FinishNow(ctx, caller.status());
  return RunBlocking(ctx, executor_, [this, req, res, c = *caller]() -> absl::Status {
    ASSIGN_OR_RETURN(StreamRow row, streams_.End(c, req->stream_id(), req->recording_choice()));
    Fill(row, c.user_id, res->mutable_stream());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StreamServiceImpl::ForceEndStream(grpc::CallbackServerContext* ctx,
                                                            const vpb::ForceEndStreamRequest* req,
                                                            vpb::ForceEndStreamResponse* res) {
  auto caller = Authenticate(*ctx);
  if (!caller.ok()) return FinishNow(ctx, caller.status());
  return RunBlocking(ctx, executor_, [this, req, res, c = *caller]() -> absl::Status {
    ASSIGN_OR_RETURN(StreamRow row, streams_.ForceEnd(c, req->stream_id(), req->reason()));
    Fill(row, c.user_id, res->mutable_stream());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StreamServiceImpl::GetPlaybackToken(
    grpc::CallbackServerContext* ctx, const vpb::GetPlaybackTokenRequest* req,
    vpb::GetPlaybackTokenResponse* res) {
  auto caller = Authenticate(*ctx);
  if (!caller.ok()) return FinishNow(ctx, caller.status());
  return RunBlocking(ctx, executor_, [this, req, res, c = *caller]() -> absl::Status {
    ASSIGN_OR_RETURN(PlaybackGrant grant, streams_.PlaybackToken(c, req->stream_id()));
    res->set_gated(grant.gated);
    res->set_token(grant.token);
    if (grant.expires_at) ToProto(*grant.expires_at, res->mutable_expires_at());
    res->set_playback_url(grant.playback_url);
    return absl::OkStatus();
  });
}

StreamInternalServiceImpl::StreamInternalServiceImpl(Streams& streams, server::Executor& executor)
    : streams_(streams), executor_(executor) {}

grpc::ServerUnaryReactor* StreamInternalServiceImpl::LookupStreams(
    grpc::CallbackServerContext* ctx, const vpb::LookupStreamsRequest* req,
    vpb::LookupStreamsResponse* res) {
  return RunBlocking(ctx, executor_, [this, req, res]() -> absl::Status {
    std::vector<std::string> ids(req->stream_ids().begin(), req->stream_ids().end());
    ASSIGN_OR_RETURN(std::vector<StreamRow> rows, streams_.Lookup(ids));
    for (const StreamRow& row : rows) {
      vpb::StreamRef* ref = res->add_streams();
      ref->set_stream_id(row.id);
      ref->set_host_id(row.host_id);
      ref->set_status(row.status);
      ref->set_gated(row.gated);
      ref->set_hls_origin(row.hls_origin);
      if (row.access_price) {
        ref->mutable_access_price()->set_amount_minor(row.access_price->amount_minor);
        ref->mutable_access_price()->set_currency(row.access_price->currency);
      }
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StreamInternalServiceImpl::ListSegments(
    grpc::CallbackServerContext* ctx, const vpb::ListSegmentsRequest* req,
    vpb::ListSegmentsResponse* res) {
  return RunBlocking(ctx, executor_, [this, req, res]() -> absl::Status {
    ASSIGN_OR_RETURN(auto listed,
                     streams_.ListSegments(req->stream_id(), req->from_sequence(),
                                           req->page().page_size(), req->page().page_token()));
    for (const SegmentRow& row : listed.page.segments) ToProto(row, res->add_segments());
    res->mutable_page()->set_next_page_token(listed.next_page_token);
    return absl::OkStatus();
  });
}

}  // namespace shopcast::video_ingest::streams
