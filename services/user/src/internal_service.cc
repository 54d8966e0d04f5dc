#include "internal_service.h"

#include <algorithm>
#include <utility>

#include "shopcast/auth/service_identity.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::user {
namespace {

void ToProto(const auth::RevocationBatch& batch, v1::ListRevocationsResponse* res) {
  res->set_more(batch.more);
  for (const auth::Revocation& r : batch.revocations) {
    v1::Revocation* out = res->add_revocations();
    out->set_sequence(r.sequence);
    out->set_user_id(r.user_id);
    out->set_session_id(r.session_id);
    if (r.not_before == absl::InfiniteFuture()) {
      out->set_user_deleted(true);
    } else {
      out->mutable_tokens_issued_before()->set_seconds(absl::ToUnixSeconds(r.not_before));
    }
  }
}

// The request's wait: zero when unset, INVALID_ARGUMENT WAIT_INVALID outside 0..60 s.
absl::StatusOr<absl::Duration> WaitOf(const v1::ListRevocationsRequest& req) {
  if (!req.has_wait()) return absl::ZeroDuration();
  const google::protobuf::Duration& w = req.wait();
  if (w.seconds() < 0 || w.nanos() < 0 || w.nanos() > 999'999'999 || w.seconds() > 60 ||
      (w.seconds() == 60 && w.nanos() > 0)) {
    return InvalidArgument("wait", "WAIT_INVALID", "wait must be 0 to 60 seconds");
  }
  return absl::Seconds(w.seconds()) + absl::Nanoseconds(w.nanos());
}

// A ListRevocations call with a wait: read at once; when nothing is new, held in
// RevocationWaits (no thread) and read again when released with news, or answered empty when
// its wait ends. Deletes itself when gRPC is done with it.
class HeldListRevocations final : public grpc::ServerUnaryReactor {
 public:
  HeldListRevocations(grpc::CallbackServerContext* ctx, const v1::ListRevocationsRequest* req,
                      v1::ListRevocationsResponse* res, Accounts& accounts,
                      server::Executor& executor, RevocationWaits& waits, absl::Duration wait)
      : ctx_(ctx),
        req_(req),
        res_(res),
        accounts_(accounts),
        executor_(executor),
        waits_(waits),
        // Answered a second before the client's deadline at the latest, so an empty answer
        // arrives rather than DEADLINE_EXCEEDED (holds are ended on the sync's ticks).
        until_(std::min(absl::Now() + wait, absl::FromChrono(ctx->deadline()) - absl::Seconds(1))) {
  }

  void Start() { Submit(/*hold_if_empty=*/true); }

  void OnCancel() override {
    if (waits_.Drop(this)) Finish(grpc::Status(grpc::StatusCode::CANCELLED, "call cancelled"));
  }
  void OnDone() override {
    waits_.Forget(this);
    delete this;
  }

 private:
  void Submit(bool hold_if_empty) {
    if (!executor_.TrySubmit([this, hold_if_empty] { Read(hold_if_empty); })) {
      Finish(server::ToGrpcStatus(Error(absl::StatusCode::kUnavailable, "SERVER_OVERLOADED",
                                        "server is overloaded, retry later"),
                                  ctx_));
    }
  }

  void Read(bool hold_if_empty) {
    if (ctx_->IsCancelled()) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "call cancelled"));
      return;
    }
    absl::StatusOr<auth::RevocationBatch> batch =
        accounts_.ListRevocations(req_->after_sequence(), req_->page_size());
    if (!batch.ok()) {
      Finish(server::ToGrpcStatus(batch.status(), ctx_));
      return;
    }
    if (hold_if_empty && batch->revocations.empty() && until_ > absl::Now() &&
        waits_.Hold(this, req_->after_sequence(), until_, [this](bool news) {
          if (news) {
            Submit(/*hold_if_empty=*/false);
          } else {
            Finish(grpc::Status::OK);  // nothing new within the wait
          }
        })) {
      // Nothing of this object may be touched from here: a pull on another thread may have
      // released and finished it already. (A client that left while we read is not held: its
      // OnCancel's Drop marked it gone, so Hold answered false and it is answered below.)
      return;
    }
    ToProto(*batch, res_);
    Finish(grpc::Status::OK);
  }

  grpc::CallbackServerContext* const ctx_;
  const v1::ListRevocationsRequest* const req_;
  v1::ListRevocationsResponse* const res_;
  Accounts& accounts_;
  server::Executor& executor_;
  RevocationWaits& waits_;
  const absl::Time until_;
};

void ToProto(FollowerContact c, v1::FollowerContact* out) {
  out->set_user_id(std::move(c.user_id));
  out->set_display_name(std::move(c.display_name));
  out->set_email(std::move(c.email));
  v1::NotificationPreferences* p = out->mutable_preferences();
  p->set_followed_host_live(c.preferences.followed_host_live);
  p->set_outbid(c.preferences.outbid);
  p->set_order_updates(c.preferences.order_updates);
  p->set_marketing(c.preferences.marketing);
}

}  // namespace

UserInternalServiceImpl::UserInternalServiceImpl(Accounts& accounts, server::Executor& executor,
                                                 std::vector<std::string> follower_contact_peers,
                                                 RevocationWaits* waits)
    : accounts_(accounts),
      executor_(executor),
      follower_contact_peers_(std::move(follower_contact_peers)),
      waits_(waits) {}

grpc::ServerUnaryReactor* UserInternalServiceImpl::ListRevocations(
    grpc::CallbackServerContext* ctx, const v1::ListRevocationsRequest* req,
    v1::ListRevocationsResponse* res) {
  absl::StatusOr<absl::Duration> wait = WaitOf(*req);
  if (!wait.ok()) return server::FinishNow(ctx, wait.status());
  if (*wait > absl::ZeroDuration() && waits_ != nullptr) {
    auto* call = new HeldListRevocations(ctx, req, res, accounts_, executor_, *waits_, *wait);
    call->Start();
    return call;
  }
  return server::RunBlocking(ctx, executor_, [this, req, res]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::RevocationBatch batch,
                     accounts_.ListRevocations(req->after_sequence(), req->page_size()));
    ToProto(batch, res);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* UserInternalServiceImpl::ListFollowerContacts(
    grpc::CallbackServerContext* ctx, const v1::ListFollowerContactsRequest* req,
    v1::ListFollowerContactsResponse* res) {
  if (absl::Status s = CheckContactPeer(*ctx); !s.ok()) return server::FinishNow(ctx, s);
  return server::RunBlocking(ctx, executor_, [this, req, res]() -> absl::Status {
    ASSIGN_OR_RETURN(
        FollowerContactPage page,
        accounts_.ListFollowerContacts(req->host_id(), req->after_user_id(), req->limit()));
    res->mutable_followers()->Reserve(static_cast<int>(page.followers.size()));
    for (FollowerContact& c : page.followers) {
      ToProto(std::move(c), res->add_followers());
    }
    res->set_next_after_user_id(std::move(page.next_after_user_id));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* UserInternalServiceImpl::GetUserContacts(
    grpc::CallbackServerContext* ctx, const v1::GetUserContactsRequest* req,
    v1::GetUserContactsResponse* res) {
  if (absl::Status s = CheckContactPeer(*ctx); !s.ok()) return server::FinishNow(ctx, s);
  return server::RunBlocking(ctx, executor_, [this, req, res]() -> absl::Status {
    const std::vector<std::string> ids(req->user_ids().begin(), req->user_ids().end());
    ASSIGN_OR_RETURN(std::vector<FollowerContact> contacts, accounts_.GetUserContacts(ids));
    res->mutable_contacts()->Reserve(static_cast<int>(contacts.size()));
    for (FollowerContact& c : contacts) ToProto(std::move(c), res->add_contacts());
    return absl::OkStatus();
  });
}

absl::Status UserInternalServiceImpl::CheckContactPeer(
    const grpc::CallbackServerContext& ctx) const {
  // E-mail addresses are personal data: a service certificate alone is not enough.
  const std::string peer = auth::ServicePeerName(ctx);
  if (std::find(follower_contact_peers_.begin(), follower_contact_peers_.end(), peer) ==
      follower_contact_peers_.end()) {
    return Error(absl::StatusCode::kPermissionDenied, "PEER_NOT_ALLOWED",
                 "this service may not read user contacts");
  }
  return absl::OkStatus();
}

}  // namespace shopcast::user
