#pragma once

// The user service's internal RPCs, served only on the internal listener (mutual TLS).

#include <string>
#include <vector>

#include "accounts.h"
#include "revocation_waits.h"
#include "shopcast/server/executor.h"
#include "shopcast/user/v1/user.grpc.pb.h"

namespace shopcast::user {

class UserInternalServiceImpl final : public v1::UserInternalService::CallbackService {
 public:
  // Every internal peer may list revocations (each service checks tokens); only the services in
  // `follower_contact_peers` (certificate common names) may read e-mail addresses (followers'
  // and any user's own). ListRevocations calls with a wait are held in `waits`; without it
  // they are answered at once (as a user service that predates long polls does).
  UserInternalServiceImpl(Accounts& accounts, server::Executor& executor,
                          std::vector<std::string> follower_contact_peers = {"realtime-push"},
                          RevocationWaits* waits = nullptr);

  grpc::ServerUnaryReactor* ListRevocations(grpc::CallbackServerContext* ctx,
                                            const v1::ListRevocationsRequest* req,
                                            v1::ListRevocationsResponse* res) override;
  grpc::ServerUnaryReactor* ListFollowerContacts(grpc::CallbackServerContext* ctx,
                                                 const v1::ListFollowerContactsRequest* req,
                                                 v1::ListFollowerContactsResponse* res) override;
  grpc::ServerUnaryReactor* GetUserContacts(grpc::CallbackServerContext* ctx,
                                            const v1::GetUserContactsRequest* req,
                                            v1::GetUserContactsResponse* res) override;

 private:
  // PERMISSION_DENIED/PEER_NOT_ALLOWED unless the caller's certificate is a contact peer.
  absl::Status CheckContactPeer(const grpc::CallbackServerContext& ctx) const;

  Accounts& accounts_;
  server::Executor& executor_;
  const std::vector<std::string> follower_contact_peers_;
  RevocationWaits* const waits_;
};

}  // namespace shopcast::user
