#include "chat/chat_rpcs.h"

#include <limits>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "chat/text_rules.h"
#include "rooms/ids.h"
#include "rooms/pg_time.h"
#include "shopcast/auth/caller.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::chat {
namespace {

constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;
constexpr absl::Duration kMinMute = absl::Minutes(1);
constexpr absl::Duration kMaxMute = absl::Hours(24 * 30);
// History page tokens are "b<sequence>": a position in a room's public history, so there is
// nothing to seal; anything else is refused.
constexpr char kTokenPrefix[] = "b";

Actor ActorOf(const auth::Claims& claims) {
  return Actor{claims.subject, claims.role == auth::Role::kAdmin};
}

}  // namespace

absl::StatusOr<ListWindow> ParseListRequest(const pb::ListChatMessagesRequest& request) {
  ListWindow w;
  const int32_t size = request.page().page_size();
  if (size < 0 || size > kMaxPageSize) {
    return InvalidArgument("page.page_size", "PAGE_SIZE_INVALID", "page_size must be 0..100");
  }
  w.page_size = size == 0 ? kDefaultPageSize : size;
  if (request.before_sequence() < 0) {
    return InvalidArgument("before_sequence", "SEQUENCE_INVALID", "before_sequence must be >= 0");
  }
  const std::string& token = request.page().page_token();
  if (!token.empty()) {
    int64_t seq = 0;
    if (token.size() > 32 || !absl::StartsWith(token, kTokenPrefix) ||
        !absl::SimpleAtoi(absl::string_view(token).substr(1), &seq) || seq < 1) {
      return InvalidArgument("page.page_token", "PAGE_TOKEN_INVALID",
                             "not a page token of this list");
    }
    w.before_seq = seq;
  } else {
    w.before_seq = request.before_sequence() == 0 ? std::numeric_limits<int64_t>::max()
                                                  : request.before_sequence();
  }
  return w;
}

absl::StatusOr<auth::Claims> ChatRpcs::Authenticate(grpc::CallbackServerContext* ctx) const {
  return auth::AuthenticateClaims(*ctx, verifier_, &revoked_, absl::Now());
}

absl::StatusOr<Actor> ChatRpcs::ModerationActor(grpc::CallbackServerContext* ctx,
                                                absl::string_view stream_id,
                                                absl::string_view user_id) const {
  ASSIGN_OR_RETURN(auth::Claims claims, Authenticate(ctx));
  RETURN_IF_ERROR(rooms::ValidateStreamId(stream_id));
  RETURN_IF_ERROR(ValidateUserId(user_id));
  return ActorOf(claims);
}

grpc::ServerUnaryReactor* ChatRpcs::SendChat(grpc::CallbackServerContext* ctx,
                                             const pb::SendChatRequest* request,
                                             pb::SendChatResponse* response) {
  auto claims = Authenticate(ctx);
  if (!claims.ok()) return server::FinishNow(ctx, claims.status());
  SendInput in;
  absl::Status valid = rooms::ValidateStreamId(request->stream_id());
  if (valid.ok()) valid = ValidateClientMessageId(request->client_message_id());
  absl::StatusOr<std::string> text = NormalizeChatText(request->text());
  if (valid.ok()) valid = text.status();
  if (!valid.ok()) return server::FinishNow(ctx, valid);
  in.stream_id = request->stream_id();
  in.author_id = claims->subject;
  in.author_name = claims->name;
  in.text = *std::move(text);
  in.client_message_id = request->client_message_id();
  return server::RunBlocking(ctx, executor_, [this, in = std::move(in), response] {
    // The message reaches this replica's subscribers below, not read back after our NOTIFY.
    rooms::FeedHub::LocalAppends local = hub_.ExpectLocalAppends({in.stream_id});
    ASSIGN_OR_RETURN(Sent sent, store_.Send(in, absl::Now()));
    if (sent.appended) hub_.OnAppended(*sent.appended);
    *response->mutable_message() = std::move(sent.message);
    response->set_sequence(sent.seq);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ChatRpcs::DeleteChatMessage(grpc::CallbackServerContext* ctx,
                                                      const pb::DeleteChatMessageRequest* request,
                                                      pb::DeleteChatMessageResponse*) {
  auto claims = Authenticate(ctx);
  if (!claims.ok()) return server::FinishNow(ctx, claims.status());
  absl::Status valid = rooms::ValidateStreamId(request->stream_id());
  if (valid.ok()) valid = ValidateMessageId(request->message_id());
  if (!valid.ok()) return server::FinishNow(ctx, valid);
  return server::RunBlocking(ctx, executor_, [this, request, actor = ActorOf(*claims)] {
    ASSIGN_OR_RETURN(std::optional<rooms::Appended> appended,
                     store_.Delete(request->stream_id(), request->message_id(), actor));
    if (appended) hub_.OnAppended(*appended);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ChatRpcs::MuteUser(grpc::CallbackServerContext* ctx,
                                             const pb::MuteUserRequest* request,
                                             pb::MuteUserResponse* response) {
  auto actor = ModerationActor(ctx, request->stream_id(), request->user_id());
  if (!actor.ok()) return server::FinishNow(ctx, actor.status());
  std::optional<absl::Duration> duration;
  if (request->has_duration()) {
    duration = absl::Seconds(request->duration().seconds()) +
               absl::Nanoseconds(request->duration().nanos());
    if (*duration < kMinMute || *duration > kMaxMute) {
      return server::FinishNow(ctx, InvalidArgument("duration", "MUTE_DURATION_INVALID",
                                                    "a mute lasts 1 minute to 30 days"));
    }
  }
  return server::RunBlocking(
      ctx, executor_, [this, request, response, duration, actor = *std::move(actor)] {
        std::optional<absl::Time> until;
        if (duration) until = absl::Now() + *duration;
        RETURN_IF_ERROR(store_.Mute(request->stream_id(), request->user_id(), until, actor));
        if (until) ToProto(*until, response->mutable_muted_until());
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ChatRpcs::UnmuteUser(grpc::CallbackServerContext* ctx,
                                               const pb::UnmuteUserRequest* request,
                                               pb::UnmuteUserResponse*) {
  auto actor = ModerationActor(ctx, request->stream_id(), request->user_id());
  if (!actor.ok()) return server::FinishNow(ctx, actor.status());
  return server::RunBlocking(ctx, executor_, [this, request, actor = *std::move(actor)] {
    return store_.Unmute(request->stream_id(), request->user_id(), actor);
  });
}

grpc::ServerUnaryReactor* ChatRpcs::BanUser(grpc::CallbackServerContext* ctx,
                                            const pb::BanUserRequest* request,
                                            pb::BanUserResponse*) {
  auto actor = ModerationActor(ctx, request->stream_id(), request->user_id());
  if (!actor.ok()) return server::FinishNow(ctx, actor.status());
  return server::RunBlocking(ctx, executor_, [this, request, actor = *std::move(actor)] {
    return store_.Ban(request->stream_id(), request->user_id(), actor, absl::Now());
  });
}

grpc::ServerUnaryReactor* ChatRpcs::UnbanUser(grpc::CallbackServerContext* ctx,
                                              const pb::UnbanUserRequest* request,
                                              pb::UnbanUserResponse*) {
  auto actor = ModerationActor(ctx, request->stream_id(), request->user_id());
  if (!actor.ok()) return server::FinishNow(ctx, actor.status());
  return server::RunBlocking(ctx, executor_, [this, request, actor = *std::move(actor)] {
    return store_.Unban(request->stream_id(), request->user_id(), actor);
  });
}

grpc::ServerUnaryReactor* ChatRpcs::ListChatMessages(grpc::CallbackServerContext* ctx,
                                                     const pb::ListChatMessagesRequest* request,
                                                     pb::ListChatMessagesResponse* response) {
  absl::Status valid = rooms::ValidateStreamId(request->stream_id());
  absl::StatusOr<ListWindow> window = ParseListRequest(*request);
  if (valid.ok()) valid = window.status();
  if (!valid.ok()) return server::FinishNow(ctx, valid);
  return server::RunBlocking(ctx, executor_, [this, request, response, w = *window] {
    // One more than the page: whether a next page exists without a second query.
    ASSIGN_OR_RETURN(std::vector<HistoryEntry> entries,
                     store_.List(request->stream_id(), w.before_seq, w.page_size + 1));
    const bool more = static_cast<int>(entries.size()) > w.page_size;
    if (more) entries.resize(w.page_size);
    for (HistoryEntry& e : entries) {
      auto* out = response->add_messages();
      *out->mutable_message() = std::move(e.message);
      out->set_sequence(e.seq);
    }
    if (more && !entries.empty()) {
      response->mutable_page()->set_next_page_token(absl::StrCat(kTokenPrefix, entries.back().seq));
    }
    return absl::OkStatus();
  });
}

}  // namespace shopcast::realtime_push::chat
