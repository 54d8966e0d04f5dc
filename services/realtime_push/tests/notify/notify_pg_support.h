#pragma once

// Helpers shared by the notifications pg tests: follower and contact source fakes the App can
// use, a recorder of SubscribeNotifications, Notify and go-live shortcuts, and database counts.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "clients/user_contacts.h"
#include "clients/user_followers.h"
#include "support/app_fixture.h"

namespace shopcast::realtime_push::testing {

// A fixed list of followers, safe to share between replicas' workers.
class FixedFollowers : public FollowerSource {
 public:
  explicit FixedFollowers(std::vector<Follower> followers);
  absl::StatusOr<FollowerPage> Page(absl::string_view host_id, absl::string_view after,
                                    int limit) override;
  int pages() const;
  // From the `n`th page read on (1-based; 0 = never) answer UNAVAILABLE, as a user service
  // that went away.
  void FailFromPage(int n);

 private:
  std::vector<Follower> all_;  // sorted by user id
  mutable absl::Mutex mu_;
  int pages_ ABSL_GUARDED_BY(mu_) = 0;
  int fail_from_ ABSL_GUARDED_BY(mu_) = 0;
};

// `n` followers with fresh usr_ ids; every 10th has followed_host_live off; emails none.
std::vector<Follower> MakeFollowers(int n);

// The ErrorInfo reason of a failed call ("" if none).
std::string ReasonOf(const grpc::Status& status);

// Notify over the internal API; the call's status (created count in *created).
grpc::Status Notify(pb::RealtimePushInternalService::Stub& stub,
                    const std::vector<std::string>& users, const std::string& dedupe_key,
                    const std::string& title, int64_t* created = nullptr);

// A SubscribeNotifications call read on its own thread.
class InboxSubscriber {
 public:
  InboxSubscriber(pb::RealtimePushService::Stub& stub, const std::string& token);
  ~InboxSubscriber();  // cancels and joins

  std::vector<pb::SubscribeNotificationsResponse> Received() const;
  // Notifications received so far (not the count or keep-alives).
  std::vector<pb::Notification> Notifications() const;
  bool WaitForNotifications(size_t n, absl::Duration timeout = absl::Seconds(30)) const;
  grpc::Status Wait(absl::Duration timeout = absl::Seconds(30));

 private:
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReader<pb::SubscribeNotificationsResponse>> reader_;
  mutable absl::Mutex mu_;
  std::vector<pb::SubscribeNotificationsResponse> received_ ABSL_GUARDED_BY(mu_);
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

// Delivers video-ingest's stream_created and then `times` x the same stream_went_live to the
// replica's EventSink; the stream id.
std::string GoLive(Replica& replica, const auth::ServiceTls& peer, const std::string& host_id,
                   const std::string& title, int times = 1);

// Users' contacts as the user service would give them, or `error` while one is set.
class FixedContacts : public ContactSource {
 public:
  explicit FixedContacts(std::vector<UserContact> contacts);
  absl::StatusOr<std::optional<UserContact>> Get(absl::string_view user_id) override;
  // Every answer is `error` from now on (OK: the contacts again).
  void SetError(absl::Status error);
  int calls() const;

 private:
  std::map<std::string, UserContact, std::less<>> by_id_;
  mutable absl::Mutex mu_;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
};

// A single number from SQL on the fixture's database.
int64_t Count(db::Pool& pool, const std::string& sql);

}  // namespace shopcast::realtime_push::testing
