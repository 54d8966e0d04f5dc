// The go-live fan-out worker against fakes: every opted-in follower notified exactly once
// across a worker that dies mid-way, a commit whose outcome was lost, and a failing user
// service; opted-out followers and the host never.
#include "notify/fanout.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <set>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::notify {
namespace {

// 1,203 followers "usr_f0000".."usr_f1202" (byte order = numeric order); every 10th has
// followed_host_live off.
class FakeFollowers : public FollowerSource {
 public:
  explicit FakeFollowers(int n = 1203) {
    for (int i = 0; i < n; ++i) {
      Follower f;
      f.user_id = absl::StrFormat("usr_f%04d", i);
      f.display_name = absl::StrFormat("Follower %d", i);
      f.email = i % 3 == 0 ? absl::StrFormat("f%d@example.test", i) : "";
      f.followed_host_live = i % 10 != 0;
      all_.push_back(f);
    }
  }

  absl::StatusOr<FollowerPage> Page(absl::string_view host_id, absl::string_view after,
                                    int limit) override {
    ++calls_;
    cursors_.emplace_back(after);
    if (before_page_) RETURN_IF_ERROR(before_page_(calls_));
    REQUIRE(host_id == "usr_host");
    FollowerPage page;
    auto it =
        std::upper_bound(all_.begin(), all_.end(), std::string(after),
                         [](const std::string& a, const Follower& f) { return a < f.user_id; });
    for (; it != all_.end() && static_cast<int>(page.followers.size()) < limit; ++it) {
      page.followers.push_back(*it);
    }
    if (it != all_.end()) page.next_after_user_id = page.followers.back().user_id;
    return page;
  }

  const std::vector<Follower>& all() const { return all_; }
  std::vector<std::string> cursors_;
  int calls_ = 0;
  // Runs before each page (1-based call number); an error fails that page.
  std::function<absl::Status(int)> before_page_;

 private:
  std::vector<Follower> all_;
};

// One job in memory; entries unique per (user, key) as in PostgreSQL.
class FakeFanoutStore : public FanoutStore {
 public:
  FakeFanoutStore() {
    job_.dedupe_key = "live:str_1";
    job_.host_id = "usr_host";
    job_.stream_id = "str_1";
    job_.title = "Spring sale";
  }

  absl::StatusOr<std::optional<FanoutJob>> Claim(absl::Time, absl::Time) override {
    if (done_ || leased_) return std::optional<FanoutJob>();
    leased_ = true;
    return std::optional<FanoutJob>(job_);
  }

  absl::StatusOr<int64_t> CommitBatch(const FanoutJob& job,
                                      const std::vector<NewNotification>& batch,
                                      const std::string& next, absl::Time, absl::Time) override {
    ++commits_;
    if (fail_commit_ == commits_) {
      return Error(absl::StatusCode::kUnavailable, "DB_CONNECTION_LOST", "lost before commit");
    }
    if (job.after_user_id != job_.after_user_id) {
      return Error(absl::StatusCode::kFailedPrecondition, "FANOUT_CURSOR_MOVED", "moved");
    }
    int64_t created = 0;
    for (const NewNotification& n : batch) {
      REQUIRE(n.dedupe_key == job_.dedupe_key);
      REQUIRE(n.content.link == "/live/str_1");
      REQUIRE(n.content.kind == pb::NOTIFICATION_KIND_FOLLOWED_HOST_LIVE);
      ++attempts_[n.user_id];
      if (entries_.insert(n.user_id).second) ++created;
      if (!n.email_to.empty()) emails_.insert(n.user_id);
    }
    job_.after_user_id = next;
    if (next.empty()) done_ = true;
    if (in_doubt_commit_ == commits_) {
      return Error(absl::StatusCode::kUnavailable, "DB_COMMIT_IN_DOUBT", "no reply to COMMIT");
    }
    return created;
  }

  absl::Status Defer(const FanoutJob& job, absl::Time, const std::string&) override {
    ++defers_;
    if (job.after_user_id == job_.after_user_id && !done_) {
      ++job_.failures;
      leased_ = false;  // the fake's retry is due at once
    }
    return absl::OkStatus();
  }

  // The dead worker's lease ran out.
  void ExpireLease() { leased_ = false; }

  FanoutJob job_;
  bool done_ = false;
  bool leased_ = false;
  int commits_ = 0;
  int fail_commit_ = -1;
  int in_doubt_commit_ = -1;
  int defers_ = 0;
  std::set<std::string> entries_;
  std::set<std::string> emails_;
  std::map<std::string, int> attempts_;
};

FanoutOptions Options() {
  FanoutOptions o;
  o.page_size = 100;
  return o;
}

// Every follower who wants it has exactly one entry; the others none.
void CheckExactlyOnce(const FakeFollowers& followers, const FakeFanoutStore& store) {
  size_t wanted = 0;
  for (const Follower& f : followers.all()) {
    const bool has = store.entries_.count(f.user_id) == 1;
    if (f.followed_host_live) {
      ++wanted;
      REQUIRE(has);
    } else {
      REQUIRE_FALSE(has);
    }
    REQUIRE(store.emails_.count(f.user_id) == (f.followed_host_live && !f.email.empty() ? 1 : 0));
  }
  REQUIRE(store.entries_.size() == wanted);
  REQUIRE(wanted == 1082);  // 1,203 less the 121 who turned go-live notifications off
}

}  // namespace

TEST_CASE("fan-out: one run notifies every opted-in follower once, a page per commit") {
  FakeFollowers followers;
  FakeFanoutStore store;
  FanoutWorker worker(store, followers, Options(), nullptr);
  REQUIRE(worker.RunOnce());
  REQUIRE(store.done_);
  REQUIRE(store.commits_ == 13);  // ceil(1203 / 100)
  CheckExactlyOnce(followers, store);
  REQUIRE_FALSE(worker.RunOnce());  // nothing left
}

TEST_CASE("fan-out: a worker that dies mid-way is resumed after its last commit, no repeats") {
  FakeFollowers followers;
  FakeFanoutStore store;
  auto first = std::make_unique<FanoutWorker>(store, followers, Options(), nullptr);
  // The process "dies" while reading the 6th page: 5 pages committed, the rest never run.
  followers.before_page_ = [&](int call) {
    if (call == 6) first->Cancel();
    return absl::OkStatus();
  };
  REQUIRE(first->RunOnce());
  REQUIRE_FALSE(store.done_);
  const int committed = store.commits_;
  REQUIRE(committed == 6);
  const std::string resume_at = store.job_.after_user_id;
  REQUIRE_FALSE(resume_at.empty());
  first.reset();

  // Another replica (a fresh worker) claims the job once the lease ran out.
  FanoutWorker second(store, followers, Options(), nullptr);
  REQUIRE_FALSE(second.RunOnce());  // still leased to the dead worker
  store.ExpireLease();
  followers.before_page_ = nullptr;
  const size_t calls_before = followers.cursors_.size();
  REQUIRE(second.RunOnce());
  REQUIRE(followers.cursors_[calls_before] == resume_at);
  REQUIRE(store.done_);
  CheckExactlyOnce(followers, store);
  for (const auto& [user, n] : store.attempts_) REQUIRE(n == 1);
}

TEST_CASE("fan-out: a commit that failed is retried from the same cursor") {
  FakeFollowers followers;
  FakeFanoutStore store;
  store.fail_commit_ = 4;
  FanoutWorker worker(store, followers, Options(), nullptr);
  REQUIRE(worker.RunOnce());
  REQUIRE(store.defers_ == 1);
  REQUIRE(store.job_.failures == 1);
  REQUIRE_FALSE(store.done_);
  REQUIRE(worker.RunOnce());
  REQUIRE(store.done_);
  CheckExactlyOnce(followers, store);
}

TEST_CASE("fan-out: a commit whose reply was lost is not applied twice") {
  FakeFollowers followers;
  FakeFanoutStore store;
  store.in_doubt_commit_ = 3;  // applied, but the worker hears UNAVAILABLE
  FanoutWorker worker(store, followers, Options(), nullptr);
  REQUIRE(worker.RunOnce());
  REQUIRE_FALSE(store.done_);
  // Its deferral names a cursor that moved on: it changes nothing and the lease runs out.
  store.ExpireLease();
  REQUIRE(worker.RunOnce());
  REQUIRE(store.done_);
  CheckExactlyOnce(followers, store);
  for (const auto& [user, n] : store.attempts_) REQUIRE(n == 1);
}

TEST_CASE("fan-out: the user service failing defers the job at its cursor") {
  FakeFollowers followers;
  FakeFanoutStore store;
  followers.before_page_ = [](int call) {
    return call == 3 ? Error(absl::StatusCode::kUnavailable, "PEER_UNAVAILABLE", "down")
                     : absl::OkStatus();
  };
  FanoutWorker worker(store, followers, Options(), nullptr);
  REQUIRE(worker.RunOnce());
  REQUIRE(store.commits_ == 2);
  REQUIRE(store.job_.failures == 1);
  REQUIRE(worker.RunOnce());
  REQUIRE(store.done_);
  CheckExactlyOnce(followers, store);
}

TEST_CASE("fan-out: followers who turned go-live notifications off get none, nor does the host") {
  FakeFollowers followers(0);
  FakeFanoutStore store;
  class Few : public FollowerSource {
   public:
    absl::StatusOr<FollowerPage> Page(absl::string_view, absl::string_view, int) override {
      FollowerPage page;
      Follower off;
      off.user_id = "usr_a";
      off.email = "a@example.test";
      off.followed_host_live = false;
      Follower host;
      host.user_id = "usr_host";
      page.followers = {off, host};
      return page;
    }
  } few;
  FanoutWorker worker(store, few, Options(), nullptr);
  REQUIRE(worker.RunOnce());
  REQUIRE(store.done_);
  REQUIRE(store.entries_.empty());
  REQUIRE(store.emails_.empty());
}

}  // namespace shopcast::realtime_push::notify
