#include "engagement/engagement_rpcs.h"

#include <optional>

#include "absl/time/clock.h"
#include "engagement/identity.h"
#include "google/protobuf/util/time_util.h"
#include "rooms/ids.h"
#include "shopcast/auth/caller.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::engagement {
namespace {

// Public RPCs take a token optionally: none is an anonymous caller, but one that is present
// must be valid (a forged or expired token is UNAUTHENTICATED, never silently anonymous).
absl::StatusOr<std::optional<auth::Caller>> OptionalCaller(const grpc::ServerContextBase& ctx,
                                                           const auth::TokenVerifier& verifier,
                                                           const auth::RevocationList* revoked) {
  if (ctx.client_metadata().find("authorization") == ctx.client_metadata().end()) {
    return std::optional<auth::Caller>();
  }
  ASSIGN_OR_RETURN(auth::Caller caller,
                   auth::AuthenticateCaller(ctx, verifier, revoked, absl::Now()));
  return std::optional<auth::Caller>(std::move(caller));
}

std::string UserOf(const std::optional<auth::Caller>& caller) {
  return caller.has_value() ? caller->user_id : std::string();
}

absl::StatusOr<Reaction> ReactionOf(pb::Reaction r) {
  switch (r) {
    case pb::REACTION_LIKE:
      return Reaction::kLike;
    case pb::REACTION_DISLIKE:
      return Reaction::kDislike;
    case pb::REACTION_NONE:
      return Reaction::kNone;
    default:
      return InvalidArgument("reaction", "REACTION_INVALID",
                             "reaction must be REACTION_LIKE, REACTION_DISLIKE or REACTION_NONE");
  }
}

pb::Reaction ToProto(Reaction r) {
  switch (r) {
    case Reaction::kLike:
      return pb::REACTION_LIKE;
    case Reaction::kDislike:
      return pb::REACTION_DISLIKE;
    case Reaction::kNone:
      break;
  }
  return pb::REACTION_NONE;
}

void SetDuration(absl::Duration d, google::protobuf::Duration* out) {
  *out = google::protobuf::util::TimeUtil::MillisecondsToDuration(absl::ToInt64Milliseconds(d));
}

// The stream id check and the optional caller, then the participant: what every presence RPC
// starts with.
absl::StatusOr<Participant> PresenceCaller(const grpc::ServerContextBase& ctx,
                                           const std::string& stream_id,
                                           const std::string& session_id,
                                           const auth::TokenVerifier& verifier,
                                           const auth::RevocationList* revoked) {
  RETURN_IF_ERROR(rooms::ValidateStreamId(stream_id));
  ASSIGN_OR_RETURN(std::optional<auth::Caller> caller, OptionalCaller(ctx, verifier, revoked));
  return ForPresence(UserOf(caller), session_id);
}

}  // namespace

grpc::ServerUnaryReactor* EngagementRpcs::SetReaction(grpc::CallbackServerContext* ctx,
                                                      const pb::SetReactionRequest* request,
                                                      pb::SetReactionResponse* response) {
  auto checked = [&]() -> absl::StatusOr<std::pair<Participant, Reaction>> {
    RETURN_IF_ERROR(rooms::ValidateStreamId(request->stream_id()));
    ASSIGN_OR_RETURN(Reaction reaction, ReactionOf(request->reaction()));
    ASSIGN_OR_RETURN(std::optional<auth::Caller> caller, OptionalCaller(*ctx, verifier_, revoked_));
    ASSIGN_OR_RETURN(Participant who, ForReaction(UserOf(caller), request->session_id()));
    return std::make_pair(std::move(who), reaction);
  }();
  if (!checked.ok()) return server::FinishNow(ctx, checked.status());
  return server::RunBlocking(
      ctx, executor_, [this, request, response, checked = *std::move(checked)]() -> absl::Status {
        const auto& [who, reaction] = checked;
        ASSIGN_OR_RETURN(
            ReactionChange change,
            reactions_.Set(request->stream_id(), who.ReactionIdentity(), reaction, absl::Now()));
        if (change.changed) {
          coalescer_.Changed(request->stream_id(), CountsKind::kReactions, change.counts.version);
        }
        pb::ReactionCounts* counts = response->mutable_counts();
        counts->set_likes(change.counts.likes);
        counts->set_dislikes(change.counts.dislikes);
        counts->set_version(change.counts.version);
        response->set_reaction(ToProto(reaction));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* EngagementRpcs::JoinRoom(grpc::CallbackServerContext* ctx,
                                                   const pb::JoinRoomRequest* request,
                                                   pb::JoinRoomResponse* response) {
  auto who = PresenceCaller(*ctx, request->stream_id(), request->session_id(), verifier_, revoked_);
  if (!who.ok()) return server::FinishNow(ctx, who.status());
  return server::RunBlocking(
      ctx, executor_, [this, request, response, who = *std::move(who)]() -> absl::Status {
        ASSIGN_OR_RETURN(ViewerChange change,
                         presence_.Join(request->stream_id(), who, absl::Now(), options_.lease));
        coalescer_.Changed(request->stream_id(), CountsKind::kViewers, change.version);
        SetDuration(options_.heartbeat_interval, response->mutable_heartbeat_interval());
        SetDuration(options_.lease, response->mutable_lease_ttl());
        response->set_viewer_count(change.viewers);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* EngagementRpcs::Heartbeat(grpc::CallbackServerContext* ctx,
                                                    const pb::HeartbeatRequest* request,
                                                    pb::HeartbeatResponse* response) {
  auto who = PresenceCaller(*ctx, request->stream_id(), request->session_id(), verifier_, revoked_);
  if (!who.ok()) return server::FinishNow(ctx, who.status());
  return server::RunBlocking(
      ctx, executor_, [this, request, response, who = *std::move(who)]() -> absl::Status {
        ASSIGN_OR_RETURN(int64_t viewers, presence_.Heartbeat(request->stream_id(), who,
                                                              absl::Now(), options_.lease));
        response->set_viewer_count(viewers);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* EngagementRpcs::LeaveRoom(grpc::CallbackServerContext* ctx,
                                                    const pb::LeaveRoomRequest* request,
                                                    pb::LeaveRoomResponse* /*response*/) {
  auto who = PresenceCaller(*ctx, request->stream_id(), request->session_id(), verifier_, revoked_);
  if (!who.ok()) return server::FinishNow(ctx, who.status());
  return server::RunBlocking(
      ctx, executor_, [this, request, who = *std::move(who)]() -> absl::Status {
        ASSIGN_OR_RETURN(ViewerChange change,
                         presence_.Leave(request->stream_id(), who, absl::Now()));
        coalescer_.Changed(request->stream_id(), CountsKind::kViewers, change.version);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* EngagementRpcs::GetRoomStats(grpc::CallbackServerContext* ctx,
                                                       const pb::GetRoomStatsRequest* request,
                                                       pb::GetRoomStatsResponse* response) {
  auto caller = [&]() -> absl::StatusOr<std::optional<auth::Caller>> {
    RETURN_IF_ERROR(rooms::ValidateStreamId(request->stream_id()));
    return OptionalCaller(*ctx, verifier_, revoked_);
  }();
  if (!caller.ok()) return server::FinishNow(ctx, caller.status());
  return server::RunBlocking(
      ctx, executor_, [this, request, response, caller = *std::move(caller)]() -> absl::Status {
        // The contract: public counters for everyone, host-only fields for the room's host
        // (or an admin); anyone else gets the public subset rather than an error.
        bool host_view = false;
        if (caller.has_value()) {
          if (caller->role == auth::Role::kAdmin) {
            host_view = true;
          } else {
            ASSIGN_OR_RETURN(std::string host, stats_.HostOf(request->stream_id()));
            host_view = host == caller->user_id;
          }
        }
        ASSIGN_OR_RETURN(*response->mutable_stats(),
                         stats_.Read(request->stream_id(), host_view, absl::Now()));
        return absl::OkStatus();
      });
}

}  // namespace shopcast::realtime_push::engagement
