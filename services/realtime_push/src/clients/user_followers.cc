#include "clients/user_followers.h"

#include <utility>

#include "shopcast/clients/call.h"
#include "shopcast/status/status.h"
#include "shopcast/user/v1/user.grpc.pb.h"

namespace shopcast::realtime_push {

namespace upb = ::shopcast::user::v1;

struct GrpcFollowerSource::Stub {
  std::unique_ptr<upb::UserInternalService::Stub> stub;
};

GrpcFollowerSource::GrpcFollowerSource(std::shared_ptr<grpc::Channel> channel,
                                       absl::Duration deadline)
    : stub_(std::make_unique<Stub>(Stub{upb::UserInternalService::NewStub(std::move(channel))})),
      deadline_(deadline) {}

GrpcFollowerSource::~GrpcFollowerSource() = default;

absl::StatusOr<FollowerPage> GrpcFollowerSource::Page(absl::string_view host_id,
                                                      absl::string_view after_user_id, int limit) {
  upb::ListFollowerContactsRequest request;
  request.set_host_id(std::string(host_id));
  request.set_after_user_id(std::string(after_user_id));
  request.set_limit(limit);
  // A background fan-out has no caller whose deadline or token to pass on.
  ASSIGN_OR_RETURN(upb::ListFollowerContactsResponse response,
                   ::shopcast::clients::Call("user", *stub_->stub,
                                             &upb::UserInternalService::Stub::ListFollowerContacts,
                                             request, nullptr, deadline_));
  FollowerPage page;
  page.followers.reserve(static_cast<size_t>(response.followers_size()));
  for (upb::FollowerContact& c : *response.mutable_followers()) {
    Follower f;
    f.user_id = std::move(*c.mutable_user_id());
    f.display_name = std::move(*c.mutable_display_name());
    f.email = std::move(*c.mutable_email());
    f.followed_host_live = c.preferences().followed_host_live();
    f.outbid = c.preferences().outbid();
    f.order_updates = c.preferences().order_updates();
    f.marketing = c.preferences().marketing();
    page.followers.push_back(std::move(f));
  }
  page.next_after_user_id = std::move(*response.mutable_next_after_user_id());
  return page;
}

}  // namespace shopcast::realtime_push
