#include "user_service.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "google/protobuf/timestamp.pb.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::user {
namespace {

using server::RunBlocking;

void ToProto(absl::Time t, google::protobuf::Timestamp* out) {
  int64_t micros = absl::ToUnixMicros(t);
  out->set_seconds(micros / 1000000);
  out->set_nanos(static_cast<int32_t>((micros % 1000000) * 1000));
}

void ToProto(const UserRow& u, pb::User* out) {
  out->set_id(u.id);
  out->set_username(u.username);
  out->set_display_name(u.display_name);
  out->set_bio(u.bio);
  out->set_avatar_url(u.avatar_url);
  out->set_role(static_cast<pb::Role>(static_cast<int>(u.role)));
  ToProto(u.created_at, out->mutable_created_at());
  out->set_follower_count(u.follower_count);
  out->set_following_count(u.following_count);
}

void ToProto(const Tokens& t, pb::TokenPair* out) {
  out->set_access_token(t.access_token);
  ToProto(t.access_expires_at, out->mutable_access_token_expires_at());
  out->set_refresh_token(t.refresh_token);
  ToProto(t.refresh_expires_at, out->mutable_refresh_token_expires_at());
}

void ToProto(const Preferences& p, pb::NotificationPreferences* out) {
  out->set_followed_host_live(p.followed_host_live);
  out->set_outbid(p.outbid);
  out->set_order_updates(p.order_updates);
  out->set_marketing(p.marketing);
}

absl::Status BadMask(absl::string_view why) {
  return InvalidArgument("update_mask", "UPDATE_MASK_INVALID", why);
}

absl::StatusOr<ProfileUpdate> ProfileUpdateFrom(const pb::UpdateProfileRequest& req) {
  if (req.update_mask().paths_size() == 0) return BadMask("update_mask names no field");
  ProfileUpdate u;
  for (const std::string& path : req.update_mask().paths()) {
    if (path == "display_name") {
      u.display_name = req.profile().display_name();
    } else if (path == "bio") {
      u.bio = req.profile().bio();
    } else if (path == "avatar_url") {
      u.avatar_url = req.profile().avatar_url();
    } else {
      return BadMask("update_mask may name only display_name, bio and avatar_url");
    }
  }
  return u;
}

absl::StatusOr<PreferencesUpdate> PreferencesUpdateFrom(
    const pb::UpdateNotificationPreferencesRequest& req) {
  if (req.update_mask().paths_size() == 0) return BadMask("update_mask names no field");
  PreferencesUpdate u;
  const auto& p = req.preferences();
  for (const std::string& path : req.update_mask().paths()) {
    if (path == "followed_host_live") {
      u.followed_host_live = p.followed_host_live();
    } else if (path == "outbid") {
      u.outbid = p.outbid();
    } else if (path == "order_updates") {
      u.order_updates = p.order_updates();
    } else if (path == "marketing") {
      u.marketing = p.marketing();
    } else {
      return BadMask("update_mask names an unknown preference");
    }
  }
  return u;
}

template <typename Response>
absl::Status FillFollows(Accounts& accounts, FollowDirection direction, const std::string& user_id,
                         const common::v1::PageRequest& page, Response* res) {
  ASSIGN_OR_RETURN(auto result,
                   accounts.ListFollows(direction, user_id, page.page_size(), page.page_token()));
  for (const UserRow& u : result.first.users) ToProto(u, res->add_users());
  res->mutable_page()->set_next_page_token(result.second);
  return absl::OkStatus();
}

}  // namespace

std::string PeerAddress(absl::string_view peer) {
  if (absl::ConsumePrefix(&peer, "ipv4:")) {
    return std::string(peer.substr(0, peer.rfind(':')));
  }
  if (absl::ConsumePrefix(&peer, "ipv6:")) {
    size_t close = peer.find(']');
    if (!peer.empty() && peer[0] == '[' && close != absl::string_view::npos) {
      return std::string(peer.substr(1, close - 1));
    }
  }
  return std::string(peer);
}

std::string ClientAddress(const grpc::ServerContextBase& ctx) {
  std::string tcp_peer = PeerAddress(ctx.peer());
  const auto& metadata = ctx.client_metadata();
  if (metadata.count(kClientAddressMetadata) != 1) return tcp_peer;
  if (auth::ServicePeerName(ctx) != kClientAddressTrustedPeer) return tcp_peer;
  const grpc::string_ref value = metadata.find(kClientAddressMetadata)->second;
  if (value.size() >= INET6_ADDRSTRLEN) return tcp_peer;
  std::string address(value.data(), value.size());
  in6_addr parsed;
  if (inet_pton(AF_INET, address.c_str(), &parsed) != 1 &&
      inet_pton(AF_INET6, address.c_str(), &parsed) != 1) {
    return tcp_peer;
  }
  return address;
}

UserServiceImpl::UserServiceImpl(Accounts& accounts, const auth::TokenVerifier& verifier,
                                 std::vector<auth::PublicKey> published_keys, std::string issuer,
                                 std::string audience, server::Executor& executor,
                                 std::function<absl::Time()> clock,
                                 const auth::RevocationList* revoked)
    : accounts_(accounts),
      verifier_(verifier),
      published_keys_(std::move(published_keys)),
      issuer_(std::move(issuer)),
      audience_(std::move(audience)),
      executor_(executor),
      clock_(std::move(clock)),
      revoked_(revoked) {}

absl::StatusOr<auth::Caller> UserServiceImpl::Authenticate(
    const grpc::CallbackServerContext& ctx) const {
  return auth::AuthenticateCaller(ctx, verifier_, revoked_, clock_());
}

grpc::ServerUnaryReactor* UserServiceImpl::Register(grpc::CallbackServerContext* ctx,
                                                    const pb::RegisterRequest* req,
                                                    pb::RegisterResponse* res) {
  RegisterInput in;
  in.username = req->username();
  in.email = req->email();
  in.password = req->password();
  in.display_name = req->display_name();
  in.client_address = ClientAddress(*ctx);
  return RunBlocking(ctx, executor_, [this, in = std::move(in), res]() -> absl::Status {
    ASSIGN_OR_RETURN(UserRow u, accounts_.Register(in));
    ToProto(u, res->mutable_user());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* UserServiceImpl::Login(grpc::CallbackServerContext* ctx,
                                                 const pb::LoginRequest* req,
                                                 pb::LoginResponse* res) {
  std::string address = ClientAddress(*ctx);
  return RunBlocking(ctx, executor_, [this, req, res, address]() -> absl::Status {
    ASSIGN_OR_RETURN(auto result, accounts_.Login(req->login(), req->password(), address));
    ToProto(result.first, res->mutable_tokens());
    ToProto(result.second, res->mutable_user());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* UserServiceImpl::Refresh(grpc::CallbackServerContext* ctx,
                                                   const pb::RefreshRequest* req,
                                                   pb::RefreshResponse* res) {
  return RunBlocking(ctx, executor_, [this, req, res]() -> absl::Status {
    ASSIGN_OR_RETURN(Tokens t, accounts_.Refresh(req->refresh_token()));
    ToProto(t, res->mutable_tokens());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* UserServiceImpl::Logout(grpc::CallbackServerContext* ctx,
                                                  const pb::LogoutRequest* req,
                                                  pb::LogoutResponse*) {
  return RunBlocking(ctx, executor_, [this, req]() -> absl::Status {
    return accounts_.Logout(req->refresh_token(), req->all_sessions());
  });
}

grpc::ServerUnaryReactor* UserServiceImpl::ChangePassword(grpc::CallbackServerContext* ctx,
                                                          const pb::ChangePasswordRequest* req,
                                                          pb::ChangePasswordResponse* res) {
  auto caller = Authenticate(*ctx);
  if (!caller.ok()) return server::FinishNow(ctx, caller.status());
  std::string address = ClientAddress(*ctx);
  return RunBlocking(ctx, executor_, [this, req, res, c = *caller, address]() -> absl::Status {
    ASSIGN_OR_RETURN(Tokens t, accounts_.ChangePassword(c, req->current_password(),
                                                        req->new_password(), address));
    ToProto(t, res->mutable_tokens());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* UserServiceImpl::RequestPasswordReset(
    grpc::CallbackServerContext* ctx, const pb::RequestPasswordResetRequest* req,
    pb::RequestPasswordResetResponse*) {
  return RunBlocking(ctx, executor_, [this, req]() -> absl::Status {
    return accounts_.RequestPasswordReset(req->email());
  });
}

grpc::ServerUnaryReactor* UserServiceImpl::ResetPassword(grpc::CallbackServerContext* ctx,
                                                         const pb::ResetPasswordRequest* req,
                                                         pb::ResetPasswordResponse*) {
  return RunBlocking(ctx, executor_, [this, req]() -> absl::Status {
    return accounts_.ResetPassword(req->reset_token(), req->new_password());
  });
}

grpc::ServerUnaryReactor* UserServiceImpl::VerifyEmail(grpc::CallbackServerContext* ctx,
                                                       const pb::VerifyEmailRequest* req,
                                                       pb::VerifyEmailResponse*) {
  return RunBlocking(ctx, executor_, [this, req]() -> absl::Status {
    return accounts_.VerifyEmail(req->verification_token());
  });
}

grpc::ServerUnaryReactor* UserServiceImpl::RequestEmailVerification(
    grpc::CallbackServerContext* ctx, const pb::RequestEmailVerificationRequest*,
    pb::RequestEmailVerificationResponse* res) {
  auto caller = Authenticate(*ctx);
  if (!caller.ok()) return server::FinishNow(ctx, caller.status());
  return RunBlocking(ctx, executor_, [this, res, c = *caller]() -> absl::Status {
    ASSIGN_OR_RETURN(bool already_verified, accounts_.RequestEmailVerification(c));
    res->set_already_verified(already_verified);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* UserServiceImpl::GetMe(grpc::CallbackServerContext* ctx,
                                                 const pb::GetMeRequest*, pb::GetMeResponse* res) {
  auto caller = Authenticate(*ctx);
  if (!caller.ok()) return server::FinishNow(ctx, caller.status());
  return RunBlocking(ctx, executor_, [this, res, c = *caller]() -> absl::Status {
    ASSIGN_OR_RETURN(UserRow u, accounts_.GetUser(c.user_id));
    ToProto(u, res->mutable_user());
    res->set_email(u.email);
    res->set_email_verified(u.email_verified);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* UserServiceImpl::GetUser(grpc::CallbackServerContext* ctx,
                                                   const pb::GetUserRequest* req,
                                                   pb::GetUserResponse* res) {
  return RunBlocking(ctx, executor_, [this, req, res]() -> absl::Status {
    absl::StatusOr<UserRow> u;
    switch (req->key_case()) {
      case pb::GetUserRequest::kUserId:
        u = accounts_.GetUser(req->user_id());
        break;
      case pb::GetUserRequest::kUsername:
        u = accounts_.GetUserByUsername(req->username());
        break;
      default:
        return InvalidArgument("key", "USER_KEY_MISSING", "give user_id or username");
    }
    if (!u.ok()) return u.status();
    ToProto(*u, res->mutable_user());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* UserServiceImpl::UpdateProfile(grpc::CallbackServerContext* ctx,
                                                         const pb::UpdateProfileRequest* req,
                                                         pb::UpdateProfileResponse* res) {
  auto caller = Authenticate(*ctx);
  if (!caller.ok()) return server::FinishNow(ctx, caller.status());
  auto update = ProfileUpdateFrom(*req);
  if (!update.ok()) return server::FinishNow(ctx, update.status());
  return RunBlocking(ctx, executor_, [this, res, c = *caller, u = *update]() -> absl::Status {
    ASSIGN_OR_RETURN(UserRow user, accounts_.UpdateProfile(c, u));
    ToProto(user, res->mutable_user());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* UserServiceImpl::SetRole(grpc::CallbackServerContext* ctx,
                                                   const pb::SetRoleRequest* req,
                                                   pb::SetRoleResponse* res) {
  auto caller = Authenticate(*ctx);
  if (!caller.ok()) return server::FinishNow(ctx, caller.status());
  if (req->role() != pb::ROLE_VIEWER && req->role() != pb::ROLE_HOST &&
      req->role() != pb::ROLE_ADMIN) {
    return server::FinishNow(ctx, InvalidArgument("role", "ROLE_INVALID", "unknown role"));
  }
  return RunBlocking(ctx, executor_, [this, req, res, c = *caller]() -> absl::Status {
    ASSIGN_OR_RETURN(UserRow u,
                     accounts_.SetRole(c, req->user_id(), static_cast<auth::Role>(req->role())));
    ToProto(u, res->mutable_user());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* UserServiceImpl::Follow(grpc::CallbackServerContext* ctx,
                                                  const pb::FollowRequest* req,
                                                  pb::FollowResponse*) {
  auto caller = Authenticate(*ctx);
  if (!caller.ok()) return server::FinishNow(ctx, caller.status());
  return RunBlocking(ctx, executor_, [this, req, c = *caller]() -> absl::Status {
    return accounts_.Follow(c, req->user_id());
  });
}

grpc::ServerUnaryReactor* UserServiceImpl::Unfollow(grpc::CallbackServerContext* ctx,
                                                    const pb::UnfollowRequest* req,
                                                    pb::UnfollowResponse*) {
  auto caller = Authenticate(*ctx);
  if (!caller.ok()) return server::FinishNow(ctx, caller.status());
  return RunBlocking(ctx, executor_, [this, req, c = *caller]() -> absl::Status {
    return accounts_.Unfollow(c, req->user_id());
  });
}

grpc::ServerUnaryReactor* UserServiceImpl::ListFollowers(grpc::CallbackServerContext* ctx,
                                                         const pb::ListFollowersRequest* req,
                                                         pb::ListFollowersResponse* res) {
  return RunBlocking(ctx, executor_, [this, req, res]() -> absl::Status {
    return FillFollows(accounts_, FollowDirection::kFollowers, req->user_id(), req->page(), res);
  });
}

grpc::ServerUnaryReactor* UserServiceImpl::ListFollowing(grpc::CallbackServerContext* ctx,
                                                         const pb::ListFollowingRequest* req,
                                                         pb::ListFollowingResponse* res) {
  return RunBlocking(ctx, executor_, [this, req, res]() -> absl::Status {
    return FillFollows(accounts_, FollowDirection::kFollowing, req->user_id(), req->page(), res);
  });
}

grpc::ServerUnaryReactor* UserServiceImpl::GetNotificationPreferences(
    grpc::CallbackServerContext* ctx, const pb::GetNotificationPreferencesRequest*,
    pb::GetNotificationPreferencesResponse* res) {
  auto caller = Authenticate(*ctx);
  if (!caller.ok()) return server::FinishNow(ctx, caller.status());
  return RunBlocking(ctx, executor_, [this, res, c = *caller]() -> absl::Status {
    ASSIGN_OR_RETURN(Preferences p, accounts_.GetPreferences(c));
    ToProto(p, res->mutable_preferences());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* UserServiceImpl::UpdateNotificationPreferences(
    grpc::CallbackServerContext* ctx, const pb::UpdateNotificationPreferencesRequest* req,
    pb::UpdateNotificationPreferencesResponse* res) {
  auto caller = Authenticate(*ctx);
  if (!caller.ok()) return server::FinishNow(ctx, caller.status());
  auto update = PreferencesUpdateFrom(*req);
  if (!update.ok()) return server::FinishNow(ctx, update.status());
  return RunBlocking(ctx, executor_, [this, res, c = *caller, u = *update]() -> absl::Status {
    ASSIGN_OR_RETURN(Preferences p, accounts_.UpdatePreferences(c, u));
    ToProto(p, res->mutable_preferences());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* UserServiceImpl::GetSigningKeys(grpc::CallbackServerContext* ctx,
                                                          const pb::GetSigningKeysRequest*,
                                                          pb::GetSigningKeysResponse* res) {
  for (const auth::PublicKey& k : published_keys_) {
    pb::SigningKey* out = res->add_keys();
    out->set_kid(k.kid);
    out->set_alg("ES256");
    out->set_public_key_pem(k.public_pem);
  }
  res->set_issuer(issuer_);
  res->set_audience(audience_);
  return server::FinishNow(ctx, absl::OkStatus());
}

}  // namespace shopcast::user
