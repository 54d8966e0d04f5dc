#pragma once

// The followers of a host, read from the user service (UserInternalService
// .ListFollowerContacts), for the go-live fan-out: who to notify, where, and whether they want
// it. An interface, so the fan-out's paging, resumption and error handling run in unit tests
// against a fake.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"

namespace shopcast::realtime_push {

// A follower with their contact details and their own notification preferences.
struct Follower {
  std::string user_id;  // usr_… id
  std::string display_name;
  std::string email;               // private to the notifier: never shown to another user
  bool followed_host_live = true;  // wants to hear that a followed host went live
  bool outbid = true;
  bool order_updates = true;
  bool marketing = false;
};

// Followers by user id ascending (byte order), and where the next page starts.
struct FollowerPage {
  std::vector<Follower> followers;
  // The after_user_id of the next page; "" when there are no more followers. Store it to
  // resume after a crash: a cursor on the id never repeats or skips a follower who stayed.
  std::string next_after_user_id;
};

class FollowerSource {
 public:
  virtual ~FollowerSource() = default;

  // Followers of `host_id` whose user id is greater than `after_user_id` ("" for the first
  // page), at most `limit` (1..1000; 0 for 500). An unknown (perhaps deleted) host has none.
  // Errors keep the user service's code and reason: INVALID_ARGUMENT with USER_ID_INVALID or
  // LIMIT_INVALID; UNAVAILABLE (PEER_UNAVAILABLE) and DEADLINE_EXCEEDED
  // (PEER_DEADLINE_EXCEEDED) are worth retrying from the same cursor.
  virtual absl::StatusOr<FollowerPage> Page(absl::string_view host_id,
                                            absl::string_view after_user_id, int limit) = 0;
};

// FollowerSource over the user service's internal listener.
class GrpcFollowerSource final : public FollowerSource {
 public:
  // `channel`: to the user service's internal listener with this service's certificate
  // (shopcast::clients::MakeInternalChannel). Every call is bounded by `deadline` (> 0).
  explicit GrpcFollowerSource(std::shared_ptr<grpc::Channel> channel,
                              absl::Duration deadline = absl::Seconds(5));
  ~GrpcFollowerSource() override;

  absl::StatusOr<FollowerPage> Page(absl::string_view host_id, absl::string_view after_user_id,
                                    int limit) override;

 private:
  struct Stub;  // the generated stub, kept out of this header with the protos
  std::unique_ptr<Stub> stub_;
  absl::Duration deadline_;
};

}  // namespace shopcast::realtime_push
