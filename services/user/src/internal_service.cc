#include "internal_service.h"

#include <algorithm>
#include <utility>

#include "shopcast/auth/service_identity.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::user {
namespace {

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
                                                 std::vector<std::string> follower_contact_peers)
    : accounts_(accounts),
      executor_(executor),
      follower_contact_peers_(std::move(follower_contact_peers)) {}

grpc::ServerUnaryReactor* UserInternalServiceImpl::ListRevocations(
    grpc::CallbackServerContext* ctx, const v1::ListRevocationsRequest* req,
    v1::ListRevocationsResponse* res) {
  return server::RunBlocking(ctx, executor_, [this, req, res]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::RevocationBatch batch,
                     accounts_.ListRevocations(req->after_sequence(), req->page_size()));
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
