#include "notify/notify_service.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rooms/pg_time.h"
#include "shopcast/auth/caller.h"
#include "shopcast/ids/ids.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::notify {
namespace {

absl::Status PageTokenInvalid() {
  return InvalidArgument("page.page_token", "PAGE_TOKEN_INVALID", "page_token is not valid");
}

// The token carries a position in the caller's own inbox only (the user comes from the access
// token), so an edited token can show nothing the caller could not list anyway: no MAC needed.
std::string EncodeCursor(const ListCursor& c) {
  return absl::WebSafeBase64Escape(absl::StrCat(c.created_us, ":", c.id));
}

absl::StatusOr<ListCursor> DecodeCursor(absl::string_view token) {
  std::string raw;
  if (token.size() > 512 || !absl::WebSafeBase64Unescape(token, &raw)) return PageTokenInvalid();
  const size_t colon = raw.find(':');
  ListCursor c;
  if (colon == std::string::npos || !absl::SimpleAtoi(raw.substr(0, colon), &c.created_us)) {
    return PageTokenInvalid();
  }
  c.id = raw.substr(colon + 1);
  if (!ids::IsValidId(c.id, "ntf")) return PageTokenInvalid();
  return c;
}

}  // namespace

grpc::ServerUnaryReactor* NotifyService::ListNotifications(
    grpc::CallbackServerContext* ctx, const pb::ListNotificationsRequest* request,
    pb::ListNotificationsResponse* response) {
  absl::StatusOr<auth::Caller> caller =
      auth::AuthenticateCaller(*ctx, deps_.verifier, deps_.revoked, absl::Now());
  if (!caller.ok()) return server::FinishNow(ctx, caller.status());
  int limit = request->page().page_size();
  if (limit < 0 || limit > kMaxPageSize) {
    return server::FinishNow(ctx, InvalidArgument("page.page_size", "PAGE_SIZE_INVALID",
                                                  "page_size is 0 (default 20) to 100"));
  }
  if (limit == 0) limit = kDefaultPageSize;
  std::optional<ListCursor> after;
  if (!request->page().page_token().empty()) {
    absl::StatusOr<ListCursor> c = DecodeCursor(request->page().page_token());
    if (!c.ok()) return server::FinishNow(ctx, c.status());
    after = *std::move(c);
  }
  return server::RunBlocking(
      ctx, deps_.executor,
      [this, user = caller->user_id, unread_only = request->unread_only(), limit, after,
       response]() -> absl::Status {
        ASSIGN_OR_RETURN(ListResult r,
                         deps_.store.List(user, unread_only, limit, after, absl::Now()));
        for (pb::Notification& n : r.notifications) *response->add_notifications() = std::move(n);
        if (r.next.has_value()) {
          response->mutable_page()->set_next_page_token(EncodeCursor(*r.next));
        }
        response->set_unread_count(r.unread_count);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* NotifyService::MarkNotificationsRead(
    grpc::CallbackServerContext* ctx, const pb::MarkNotificationsReadRequest* request,
    pb::MarkNotificationsReadResponse* response) {
  absl::StatusOr<auth::Caller> caller =
      auth::AuthenticateCaller(*ctx, deps_.verifier, deps_.revoked, absl::Now());
  if (!caller.ok()) return server::FinishNow(ctx, caller.status());
  std::vector<std::string> ids;
  std::optional<absl::Time> up_to;
  switch (request->selector_case()) {
    case pb::MarkNotificationsReadRequest::kIds: {
      const auto& given = request->ids().ids();
      if (given.empty() || given.size() > kMaxMarkIds) {
        return server::FinishNow(
            ctx, InvalidArgument("ids.ids", "IDS_COUNT_INVALID", "name 1 to 100 notification ids"));
      }
      for (const std::string& id : given) {
        if (!ids::IsValidId(id, "ntf")) {
          return server::FinishNow(ctx, InvalidArgument("ids.ids", "NOTIFICATION_ID_INVALID",
                                                        "every id must be a ntf_ id"));
        }
        ids.push_back(id);
      }
      break;
    }
    case pb::MarkNotificationsReadRequest::kUpTo: {
      const auto& t = request->up_to();
      if (t.seconds() < 0 || t.seconds() > 253402300799 || t.nanos() < 0 || t.nanos() > 999999999) {
        return server::FinishNow(
            ctx, InvalidArgument("up_to", "UP_TO_INVALID", "up_to is not a valid time"));
      }
      up_to = FromProto(t);
      break;
    }
    default:
      return server::FinishNow(ctx,
                               InvalidArgument("selector", "SELECTOR_MISSING", "set ids or up_to"));
  }
  return server::RunBlocking(
      ctx, deps_.executor,
      [this, user = caller->user_id, ids = std::move(ids), up_to, response]() -> absl::Status {
        const absl::Time now = absl::Now();
        ASSIGN_OR_RETURN(MarkResult r, up_to.has_value() ? deps_.store.MarkUpTo(user, *up_to, now)
                                                         : deps_.store.MarkIds(user, ids, now));
        response->set_marked_count(r.marked);
        response->set_unread_count(r.unread);
        return absl::OkStatus();
      });
}

grpc::ServerWriteReactor<pb::SubscribeNotificationsResponse>* NotifyService::SubscribeNotifications(
    grpc::CallbackServerContext* ctx, const pb::SubscribeNotificationsRequest* /*request*/) {
  absl::StatusOr<auth::Caller> caller =
      auth::AuthenticateCaller(*ctx, deps_.verifier, deps_.revoked, absl::Now());
  if (!caller.ok()) {
    // A reactor that only reports the failure.
    class Refused : public grpc::ServerWriteReactor<pb::SubscribeNotificationsResponse> {
     public:
      Refused(grpc::CallbackServerContext* ctx, const absl::Status& s) {
        Finish(server::ToGrpcStatus(s, ctx));
      }
      void OnDone() override { delete this; }
    };
    return new Refused(ctx, caller.status());
  }
  return InboxSubscribeReactor::Start(
      ctx, caller->user_id,
      InboxSubscribeReactor::Deps{deps_.hub, deps_.store, deps_.executor, deps_.subscribe,
                                  deps_.metrics});
}

grpc::ServerUnaryReactor* NotifyService::Notify(grpc::CallbackServerContext* ctx,
                                                const pb::NotifyRequest* request,
                                                pb::NotifyResponse* response) {
  if (absl::Status s = ValidateNotify(*request); !s.ok()) return server::FinishNow(ctx, s);
  return server::RunBlocking(ctx, deps_.executor, [this, request, response]() -> absl::Status {
    if (!request->preference().empty()) {
      ASSIGN_OR_RETURN(
          const int64_t queued,
          deps_.store.Queue(Recipients(*request), ContentOf(request->notification()),
                            request->dedupe_key(), request->preference(), absl::Now()));
      response->set_queued_count(queued);
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(int64_t created,
                     deps_.store.Notify(Recipients(*request), ContentOf(request->notification()),
                                        request->dedupe_key(), absl::Now()));
    if (deps_.metrics != nullptr) deps_.metrics->Created(created);
    response->set_created_count(created);
    return absl::OkStatus();
  });
}

}  // namespace shopcast::realtime_push::notify
