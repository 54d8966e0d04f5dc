#include "notify/notify_pg_support.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "absl/time/clock.h"
#include "google/rpc/status.pb.h"
#include "shopcast/common/v1/error.pb.h"
#include "shopcast/db/transaction.h"
#include "shopcast/ids/ids.h"
#include "shopcast/testing/wait.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"

namespace shopcast::realtime_push::testing {

namespace cpb = ::shopcast::common::v1;
namespace vi = ::shopcast::video_ingest::v1;

FixedFollowers::FixedFollowers(std::vector<Follower> followers) : all_(std::move(followers)) {
  std::sort(all_.begin(), all_.end(),
            [](const Follower& a, const Follower& b) { return a.user_id < b.user_id; });
}

absl::StatusOr<FollowerPage> FixedFollowers::Page(absl::string_view, absl::string_view after,
                                                  int limit) {
  {
    absl::MutexLock lock(&mu_);
    ++pages_;
    if (fail_from_ > 0 && pages_ >= fail_from_) {
      return absl::UnavailableError("the user service is away");
    }
  }
  FollowerPage page;
  auto it = std::upper_bound(all_.begin(), all_.end(), std::string(after),
                             [](const std::string& a, const Follower& f) { return a < f.user_id; });
  for (; it != all_.end() && static_cast<int>(page.followers.size()) < limit; ++it) {
    page.followers.push_back(*it);
  }
  if (it != all_.end()) page.next_after_user_id = page.followers.back().user_id;
  return page;
}

void FixedFollowers::FailFromPage(int n) {
  absl::MutexLock lock(&mu_);
  fail_from_ = n;
}

int FixedFollowers::pages() const {
  absl::MutexLock lock(&mu_);
  return pages_;
}

std::vector<Follower> MakeFollowers(int n) {
  std::vector<Follower> out;
  for (int i = 0; i < n; ++i) {
    Follower f;
    f.user_id = ids::NewId("usr");
    f.display_name = "Follower " + std::to_string(i);
    f.followed_host_live = i % 10 != 0;
    out.push_back(f);
  }
  return out;
}

std::string ReasonOf(const grpc::Status& status) {
  google::rpc::Status details;
  cpb::ErrorInfo info;
  if (!details.ParseFromString(status.error_details()) || details.details_size() == 0 ||
      !details.details(0).UnpackTo(&info)) {
    return "";
  }
  return info.reason();
}

grpc::Status Notify(pb::RealtimePushInternalService::Stub& stub,
                    const std::vector<std::string>& users, const std::string& dedupe_key,
                    const std::string& title, int64_t* created) {
  pb::NotifyRequest req;
  for (const auto& u : users) req.add_user_ids(u);
  req.set_dedupe_key(dedupe_key);
  req.mutable_notification()->set_kind(pb::NOTIFICATION_KIND_SYSTEM);
  req.mutable_notification()->set_title(title);
  req.mutable_notification()->set_link("/orders");
  pb::NotifyResponse res;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::Status s = stub.Notify(&ctx, req, &res);
  if (created != nullptr) *created = res.created_count();
  return s;
}

InboxSubscriber::InboxSubscriber(pb::RealtimePushService::Stub& stub, const std::string& token) {
  Authorize(ctx_, token);
  reader_ = stub.SubscribeNotifications(&ctx_, pb::SubscribeNotificationsRequest());
  thread_ = std::thread([this] {
    pb::SubscribeNotificationsResponse m;
    while (reader_->Read(&m)) {
      absl::MutexLock lock(&mu_);
      received_.push_back(m);
    }
    grpc::Status s = reader_->Finish();
    absl::MutexLock lock(&mu_);
    status_ = s;
    finished_ = true;
  });
}

InboxSubscriber::~InboxSubscriber() {
  ctx_.TryCancel();
  if (thread_.joinable()) thread_.join();
}

std::vector<pb::SubscribeNotificationsResponse> InboxSubscriber::Received() const {
  absl::MutexLock lock(&mu_);
  return received_;
}

std::vector<pb::Notification> InboxSubscriber::Notifications() const {
  std::vector<pb::Notification> out;
  for (const auto& m : Received()) {
    if (m.has_notification()) out.push_back(m.notification());
  }
  return out;
}

bool InboxSubscriber::WaitForNotifications(size_t n, absl::Duration timeout) const {
  return shopcast::testing::WaitUntil([&] { return Notifications().size() >= n; }, timeout);
}

grpc::Status InboxSubscriber::Wait(absl::Duration timeout) {
  const bool done = shopcast::testing::WaitUntil(
      [&] {
        absl::MutexLock lock(&mu_);
        return finished_;
      },
      timeout);
  REQUIRE(done);
  absl::MutexLock lock(&mu_);
  return status_;
}

namespace {

cpb::Event Wrap(const std::string& type, const std::string& stream_id,
                const google::protobuf::Message& payload) {
  cpb::Event e;
  e.set_id(ids::NewId("evt"));
  e.set_type("video_ingest." + type);
  e.set_source("video_ingest");
  e.set_aggregate_id(stream_id);
  e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  e.mutable_payload()->PackFrom(payload);
  return e;
}

void Deliver(cpb::EventSink::Stub& sink, const cpb::Event& event) {
  cpb::DeliverEventsRequest req;
  *req.add_events() = event;
  cpb::DeliverEventsResponse res;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::Status s = sink.DeliverEvents(&ctx, req, &res);
  REQUIRE(s.ok());
  REQUIRE(res.accepted_ids_size() == 1);
}

}  // namespace

std::string GoLive(Replica& replica, const auth::ServiceTls& peer, const std::string& host_id,
                   const std::string& title, int times) {
  auto sink = replica.SinkStub(peer);
  const std::string stream = ids::NewId("str");
  vi::StreamCreated created;
  created.set_stream_id(stream);
  created.set_host_id(host_id);
  created.set_title(title);
  Deliver(*sink, Wrap("stream_created", stream, created));
  vi::StreamWentLive live;
  live.set_stream_id(stream);
  live.set_host_id(host_id);
  live.set_title(title);
  const cpb::Event live_event = Wrap("stream_went_live", stream, live);
  for (int i = 0; i < times; ++i) Deliver(*sink, live_event);
  return stream;
}

int64_t Count(db::Pool& pool, const std::string& sql) {
  absl::StatusOr<int64_t> n = db::InTransaction(
      pool,
      [&](pqxx::work& tx) -> absl::StatusOr<int64_t> { return tx.exec1(sql)[0].as<int64_t>(); });
  REQUIRE(n.ok());
  return *n;
}

FixedContacts::FixedContacts(std::vector<UserContact> contacts) {
  for (auto& c : contacts) by_id_.emplace(c.user_id, std::move(c));
}

absl::StatusOr<std::optional<UserContact>> FixedContacts::Get(absl::string_view user_id) {
  {
    absl::MutexLock lock(&mu_);
    ++calls_;
    if (!error_.ok()) return error_;
  }
  auto it = by_id_.find(user_id);
  if (it == by_id_.end()) return std::optional<UserContact>();
  return std::optional<UserContact>(it->second);
}

void FixedContacts::SetError(absl::Status error) {
  absl::MutexLock lock(&mu_);
  error_ = std::move(error);
}

int FixedContacts::calls() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

}  // namespace shopcast::realtime_push::testing
