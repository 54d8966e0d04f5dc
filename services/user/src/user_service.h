#pragma once

// The gRPC surface of the user service: proto <-> domain and status mapping, nothing else.

#include <functional>
#include <vector>

#include "absl/time/time.h"
#include "accounts.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/server/executor.h"
#include "shopcast/user/v1/user.grpc.pb.h"

namespace shopcast::user {

namespace pb = ::shopcast::user::v1;

class UserServiceImpl final : public pb::UserService::CallbackService {
 public:
  UserServiceImpl(Accounts& accounts, const auth::TokenVerifier& verifier,
                  std::vector<auth::PublicKey> published_keys, std::string issuer,
                  std::string audience, server::Executor& executor,
                  std::function<absl::Time()> clock = absl::Now,
                  const auth::RevocationList* revoked = nullptr);

  grpc::ServerUnaryReactor* Register(grpc::CallbackServerContext* ctx,
                                     const pb::RegisterRequest* req,
                                     pb::RegisterResponse* res) override;
  grpc::ServerUnaryReactor* Login(grpc::CallbackServerContext* ctx, const pb::LoginRequest* req,
                                  pb::LoginResponse* res) override;
  grpc::ServerUnaryReactor* Refresh(grpc::CallbackServerContext* ctx, const pb::RefreshRequest* req,
                                    pb::RefreshResponse* res) override;
  grpc::ServerUnaryReactor* Logout(grpc::CallbackServerContext* ctx, const pb::LogoutRequest* req,
                                   pb::LogoutResponse* res) override;
  grpc::ServerUnaryReactor* ChangePassword(grpc::CallbackServerContext* ctx,
                                           const pb::ChangePasswordRequest* req,
                                           pb::ChangePasswordResponse* res) override;
  grpc::ServerUnaryReactor* RequestPasswordReset(grpc::CallbackServerContext* ctx,
                                                 const pb::RequestPasswordResetRequest* req,
                                                 pb::RequestPasswordResetResponse* res) override;
  grpc::ServerUnaryReactor* ResetPassword(grpc::CallbackServerContext* ctx,
                                          const pb::ResetPasswordRequest* req,
                                          pb::ResetPasswordResponse* res) override;
  grpc::ServerUnaryReactor* VerifyEmail(grpc::CallbackServerContext* ctx,
                                        const pb::VerifyEmailRequest* req,
                                        pb::VerifyEmailResponse* res) override;
  grpc::ServerUnaryReactor* RequestEmailVerification(
      grpc::CallbackServerContext* ctx, const pb::RequestEmailVerificationRequest* req,
      pb::RequestEmailVerificationResponse* res) override;
  grpc::ServerUnaryReactor* GetMe(grpc::CallbackServerContext* ctx, const pb::GetMeRequest* req,
                                  pb::GetMeResponse* res) override;
  grpc::ServerUnaryReactor* GetUser(grpc::CallbackServerContext* ctx, const pb::GetUserRequest* req,
                                    pb::GetUserResponse* res) override;
  grpc::ServerUnaryReactor* UpdateProfile(grpc::CallbackServerContext* ctx,
                                          const pb::UpdateProfileRequest* req,
                                          pb::UpdateProfileResponse* res) override;
  grpc::ServerUnaryReactor* SetRole(grpc::CallbackServerContext* ctx, const pb::SetRoleRequest* req,
                                    pb::SetRoleResponse* res) override;
  grpc::ServerUnaryReactor* Follow(grpc::CallbackServerContext* ctx, const pb::FollowRequest* req,
                                   pb::FollowResponse* res) override;
  grpc::ServerUnaryReactor* Unfollow(grpc::CallbackServerContext* ctx,
                                     const pb::UnfollowRequest* req,
                                     pb::UnfollowResponse* res) override;
  grpc::ServerUnaryReactor* ListFollowers(grpc::CallbackServerContext* ctx,
                                          const pb::ListFollowersRequest* req,
                                          pb::ListFollowersResponse* res) override;
  grpc::ServerUnaryReactor* ListFollowing(grpc::CallbackServerContext* ctx,
                                          const pb::ListFollowingRequest* req,
                                          pb::ListFollowingResponse* res) override;
  grpc::ServerUnaryReactor* GetNotificationPreferences(
      grpc::CallbackServerContext* ctx, const pb::GetNotificationPreferencesRequest* req,
      pb::GetNotificationPreferencesResponse* res) override;
  grpc::ServerUnaryReactor* UpdateNotificationPreferences(
      grpc::CallbackServerContext* ctx, const pb::UpdateNotificationPreferencesRequest* req,
      pb::UpdateNotificationPreferencesResponse* res) override;
  grpc::ServerUnaryReactor* GetSigningKeys(grpc::CallbackServerContext* ctx,
                                           const pb::GetSigningKeysRequest* req,
                                           pb::GetSigningKeysResponse* res) override;
  // In user_service_delete.cc.
  grpc::ServerUnaryReactor* DeleteAccount(grpc::CallbackServerContext* ctx,
                                          const pb::DeleteAccountRequest* req,
                                          pb::DeleteAccountResponse* res) override;

 private:
  absl::StatusOr<auth::Caller> Authenticate(const grpc::CallbackServerContext& ctx) const;

  Accounts& accounts_;
  const auth::TokenVerifier& verifier_;
  std::vector<auth::PublicKey> published_keys_;
  std::string issuer_;
  std::string audience_;
  server::Executor& executor_;
  std::function<absl::Time()> clock_;
  const auth::RevocationList* revoked_;  // null: no revocation check (unit tests)
};

// The IP of a gRPC peer string ("ipv4:1.2.3.4:5678" -> "1.2.3.4", "ipv6:[::1]:5" -> "::1").
std::string PeerAddress(absl::string_view peer);

// Metadata in which the gateway names the client it calls for (the browser's address), and the
// only peer whose word for it counts.
inline constexpr char kClientAddressMetadata[] = "x-shopcast-client-address";
inline constexpr char kClientAddressTrustedPeer[] = "gateway";

// The address login and registration throttling count against: the single
// x-shopcast-client-address entry, if it is a valid IPv4/IPv6 address and the call came over
// the internal listener from a verified `gateway` certificate; the TCP peer otherwise (so a
// client cannot pick its own address on the public listener, nor another service for it).
std::string ClientAddress(const grpc::ServerContextBase& ctx);

}  // namespace shopcast::user
