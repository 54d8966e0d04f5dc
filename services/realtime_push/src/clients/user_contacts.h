#pragma once

// One user's contact details and notification preferences, read from the user service
// (UserInternalService.GetUserContacts), for notifications about the user's own orders and
// sales. An interface, so the notifications' worker runs in tests against a fake.

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "clients/user_followers.h"
#include "grpcpp/channel.h"

namespace shopcast::realtime_push {

// The same details a follower carries: where to reach the user and what they agreed to.
using UserContact = Follower;

class ContactSource {
 public:
  virtual ~ContactSource() = default;

  // The contact of `user_id`; nullopt for an unknown or deleted account. Errors keep the user
  // service's code and reason: UNAVAILABLE (PEER_UNAVAILABLE) and DEADLINE_EXCEEDED are worth
  // retrying; UNIMPLEMENTED means a user service that predates the RPC.
  virtual absl::StatusOr<std::optional<UserContact>> Get(absl::string_view user_id) = 0;
};

// ContactSource over the user service's internal listener.
class GrpcContactSource final : public ContactSource {
 public:
  // `channel`: to the user service's internal listener with this service's certificate.
  // Every call is bounded by `deadline` (> 0).
  explicit GrpcContactSource(std::shared_ptr<grpc::Channel> channel,
                             absl::Duration deadline = absl::Seconds(5));
  ~GrpcContactSource() override;

  absl::StatusOr<std::optional<UserContact>> Get(absl::string_view user_id) override;

 private:
  struct Stub;  // the generated stub, kept out of this header with the protos
  std::unique_ptr<Stub> stub_;
  absl::Duration deadline_;
};

}  // namespace shopcast::realtime_push
