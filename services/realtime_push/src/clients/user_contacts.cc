#include "clients/user_contacts.h"

#include <utility>

#include "shopcast/clients/call.h"
#include "shopcast/status/status.h"
#include "shopcast/user/v1/user.grpc.pb.h"

namespace shopcast::realtime_push {

namespace upb = ::shopcast::user::v1;

struct GrpcContactSource::Stub {
  std::unique_ptr<upb::UserInternalService::Stub> stub;
};

GrpcContactSource::GrpcContactSource(std::shared_ptr<grpc::Channel> channel,
                                     absl::Duration deadline)
    : stub_(std::make_unique<Stub>(Stub{upb::UserInternalService::NewStub(std::move(channel))})),
      deadline_(deadline) {}

GrpcContactSource::~GrpcContactSource() = default;

absl::StatusOr<std::optional<UserContact>> GrpcContactSource::Get(absl::string_view user_id) {
  upb::GetUserContactsRequest request;
  request.add_user_ids(std::string(user_id));
  // A background worker has no caller whose deadline or token to pass on.
  ASSIGN_OR_RETURN(upb::GetUserContactsResponse response,
                   ::shopcast::clients::Call("user", *stub_->stub,
                                             &upb::UserInternalService::Stub::GetUserContacts,
                                             request, nullptr, deadline_));
  for (upb::FollowerContact& c : *response.mutable_contacts()) {
    if (c.user_id() != user_id) continue;
    UserContact u;
    u.user_id = std::move(*c.mutable_user_id());
    u.display_name = std::move(*c.mutable_display_name());
    u.email = std::move(*c.mutable_email());
    u.followed_host_live = c.preferences().followed_host_live();
    u.outbid = c.preferences().outbid();
    u.order_updates = c.preferences().order_updates();
    u.marketing = c.preferences().marketing();
    return std::optional<UserContact>(std::move(u));
  }
  return std::optional<UserContact>();
}

}  // namespace shopcast::realtime_push
