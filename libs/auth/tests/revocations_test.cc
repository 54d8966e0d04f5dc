// Stale authority: a revocation voids tokens issued before it, and only those, to the second.
#include "shopcast/auth/revocations.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/wait.h"

using shopcast::auth::Claims;
using shopcast::auth::Revocation;
using shopcast::auth::RevocationBatch;
using shopcast::auth::RevocationList;
using shopcast::auth::RevocationSync;

namespace {

Claims TokenOf(const std::string& user, int64_t iat, const std::string& session = "") {
  Claims c;
  c.session_id = session;
  c.subject = user;
  c.role = shopcast::auth::Role::kHost;
  c.token_id = "jti";
  c.issued_at = absl::FromUnixSeconds(iat);
  c.expires_at = c.issued_at + absl::Minutes(15);
  return c;
}

}  // namespace

TEST_CASE("a revocation voids the user's tokens issued before it and no one else's") {
  RevocationList list;
  // Revoked during second 1000: the cutoff is 1001, and tokens issued after the revocation in
  // the same second are stamped iat 1001 by the user service.
  list.Apply({Revocation{1, "usr_a", absl::FromUnixSeconds(1001), ""}});
  absl::Status before = list.Check(TokenOf("usr_a", 1000));
  CHECK(before.code() == absl::StatusCode::kUnauthenticated);
  CHECK(before.message().find("revoked") != absl::string_view::npos);
  CHECK(list.Check(TokenOf("usr_a", 1001)).ok());
  CHECK(list.Check(TokenOf("usr_a", 5000)).ok());
  CHECK(list.Check(TokenOf("usr_b", 1000)).ok());
}

TEST_CASE("a deleted account's tokens are void whenever they were issued") {
  RevocationList list;
  list.Apply({Revocation{1, "usr_gone", absl::InfiniteFuture(), ""}});
  CHECK(absl::IsUnauthenticated(list.Check(TokenOf("usr_gone", 4'000'000'000))));
}

TEST_CASE("the latest cutoff per user wins and replayed batches change nothing") {
  RevocationList list;
  list.Apply({Revocation{1, "usr_a", absl::FromUnixSeconds(100), ""},
              Revocation{2, "usr_a", absl::FromUnixSeconds(200), ""}});
  CHECK(list.last_sequence() == 2);
  CHECK(absl::IsUnauthenticated(list.Check(TokenOf("usr_a", 150))));
  // A retried older batch carrying an earlier cutoff does not reopen the window.
  list.Apply({Revocation{1, "usr_a", absl::FromUnixSeconds(100), ""}});
  CHECK(absl::IsUnauthenticated(list.Check(TokenOf("usr_a", 150))));
  CHECK(list.size() == 1);
}

TEST_CASE("a logged-out session's tokens are void, the user's other sessions are not") {
  RevocationList list({absl::Hours(1), [] { return absl::FromUnixSeconds(1000); }});
  list.Apply({Revocation{1, "usr_a", absl::FromUnixSeconds(1001), "rtf_phone"}});
  absl::Status phone = list.Check(TokenOf("usr_a", 1000, "rtf_phone"));
  CHECK(phone.code() == absl::StatusCode::kUnauthenticated);
  CHECK(shopcast::ReasonOf(phone) == "TOKEN_REVOKED");
  // Whatever its iat: a refresh racing the logout may have stamped a later second.
  CHECK(absl::IsUnauthenticated(list.Check(TokenOf("usr_a", 1002, "rtf_phone"))));
  CHECK(list.Check(TokenOf("usr_a", 1000, "rtf_laptop")).ok());
  CHECK(list.Check(TokenOf("usr_a", 1000)).ok());  // a token naming no session
  CHECK(list.size() == 0);                         // the user as a whole is not revoked
  CHECK(list.session_count() == 1);
}

TEST_CASE("a session entry is forgotten once every token of the session has expired") {
  absl::Time now = absl::FromUnixSeconds(10'000);
  RevocationList list({absl::Minutes(20), [&] { return now; }});
  auto session_logout = [](int64_t seq, const std::string& sid, absl::Time cutoff) {
    return Revocation{seq, "usr_a", cutoff, sid};
  };
  // Loaded from the start of the log: an entry already past its retention is never kept.
  list.Apply(
      {session_logout(1, "rtf_old", now - absl::Minutes(20)), session_logout(2, "rtf_new", now)});
  CHECK(list.session_count() == 1);
  CHECK(list.Check(TokenOf("usr_a", 9'000, "rtf_old")).ok());
  CHECK(absl::IsUnauthenticated(list.Check(TokenOf("usr_a", 9'999, "rtf_new"))));

  now += absl::Minutes(20) - absl::Seconds(1);
  list.Apply({});  // every sync, even an empty one, forgets what has run out
  CHECK(list.session_count() == 1);
  CHECK(absl::IsUnauthenticated(list.Check(TokenOf("usr_a", 9'999, "rtf_new"))));
  now += absl::Seconds(1);
  list.Apply({});
  CHECK(list.session_count() == 0);
  CHECK(list.last_sequence() == 2);
}

TEST_CASE("by default session entries outlive the longest access token plus leeway") {
  shopcast::auth::RevocationListOptions options;
  CHECK(options.session_retention >=
        shopcast::auth::kMaxAccessTokenTtl + absl::Seconds(30));  // the verifier's leeway
}

TEST_CASE("a sync that cannot reach the source keeps the last known list and says so") {
  RevocationList list;
  bool reachable = true;
  int64_t asked_after = -1;
  RevocationSync sync(
      list,
      shopcast::auth::ImmediateRevocationSource(
          [&](int64_t after) -> absl::StatusOr<RevocationBatch> {
            asked_after = after;
            if (!reachable) return absl::UnavailableError("user service is unavailable");
            RevocationBatch b;
            if (after == 0) b.revocations = {Revocation{7, "usr_a", absl::FromUnixSeconds(50), ""}};
            return b;
          }),
      {}, nullptr);
  REQUIRE(sync.SyncOnce().ok());
  CHECK_FALSE(sync.stale());
  reachable = false;
  CHECK(absl::IsUnavailable(sync.SyncOnce()));
  CHECK(sync.stale());
  CHECK(asked_after == 7);  // it asks only for what it has not seen
  CHECK(absl::IsUnauthenticated(list.Check(TokenOf("usr_a", 10))));  // still enforced
  reachable = true;
  CHECK(sync.SyncOnce().ok());
  CHECK_FALSE(sync.stale());
}

TEST_CASE("a sync pulls batch after batch until the source has no more") {
  RevocationList list;
  RevocationSync sync(
      list,
      shopcast::auth::ImmediateRevocationSource([](int64_t after)
                                                    -> absl::StatusOr<RevocationBatch> {
        RevocationBatch b;
        if (after < 3) {
          b.revocations = {Revocation{after + 1, "usr_" + std::to_string(after), absl::Now(), ""}};
          b.more = true;
        }
        return b;
      }),
      {}, nullptr);
  REQUIRE(sync.SyncOnce().ok());
  CHECK(list.last_sequence() == 3);
  CHECK(list.size() == 3);
}

namespace {

// A user service as a long-polling client meets it: a fetch with a wait is held until a
// revocation is added, the wait passes or the source is cancelled.
class HeldSource {
 public:
  shopcast::auth::RevocationSource Source() {
    return {[this](int64_t after, absl::Duration wait) -> absl::StatusOr<RevocationBatch> {
              absl::MutexLock lock(&mu_);
              ++fetches_;
              last_wait_ = wait;
              auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
                return cancelled_ || static_cast<int64_t>(log_.size()) > after;
              };
              mu_.AwaitWithTimeout(absl::Condition(&ready), wait);
              if (cancelled_) return absl::CancelledError("cancelled");
              RevocationBatch b;
              for (size_t i = static_cast<size_t>(after); i < log_.size(); ++i) {
                b.revocations.push_back(log_[i]);
              }
              return b;
            },
            [this] {
              absl::MutexLock lock(&mu_);
              cancelled_ = true;
            }};
  }
  void Revoke(const std::string& user) {
    absl::MutexLock lock(&mu_);
    log_.push_back(
        Revocation{static_cast<int64_t>(log_.size()) + 1, user, absl::FromUnixSeconds(100), ""});
  }
  int fetches() {
    absl::MutexLock lock(&mu_);
    return fetches_;
  }
  absl::Duration last_wait() {
    absl::MutexLock lock(&mu_);
    return last_wait_;
  }

 private:
  absl::Mutex mu_;
  std::vector<Revocation> log_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  int fetches_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration last_wait_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

TEST_CASE("a long-polling sync has each revocation as soon as the source does, and stops at once") {
  RevocationList list;
  HeldSource source;
  shopcast::auth::RevocationSyncOptions options;
  options.long_poll = absl::Seconds(30);
  // Far longer than the test waits: only a held call answered at once can explain a revocation
  // arriving in time.
  options.interval = absl::Seconds(60);
  std::atomic<int64_t> pulled{-1};
  options.on_pulled = [&](int64_t last) { pulled = last; };
  RevocationSync sync(list, source.Source(), options, nullptr);
  sync.Start();
  REQUIRE(shopcast::testing::WaitUntil([&] { return source.fetches() >= 1; }, absl::Seconds(10)));
  CHECK(source.last_wait() == absl::Seconds(30));
  source.Revoke("usr_a");
  CHECK(shopcast::testing::WaitUntil([&] { return !list.Check(TokenOf("usr_a", 10)).ok(); },
                                     absl::Seconds(10)));
  CHECK(shopcast::testing::WaitUntil([&] { return pulled.load() == 1; }, absl::Seconds(10)));
  // The next poll is held again at once, and the next revocation comes the same way.
  source.Revoke("usr_b");
  CHECK(shopcast::testing::WaitUntil([&] { return !list.Check(TokenOf("usr_b", 10)).ok(); },
                                     absl::Seconds(10)));
  CHECK_FALSE(sync.stale());
  // Stop() does not wait out the 30 s hold in progress.
  REQUIRE(shopcast::testing::WaitUntil([&] { return source.fetches() >= 3; }, absl::Seconds(10)));
  const absl::Time before = absl::Now();
  sync.Stop();
  CHECK(absl::Now() - before < absl::Seconds(10));
  CHECK_FALSE(sync.stale());  // a cancelled poll is not a failure
}

TEST_CASE("a source that does not hold calls is pulled every interval, not in a loop") {
  RevocationList list;
  std::atomic<int> fetches{0};
  shopcast::auth::RevocationSyncOptions options;
  options.long_poll = absl::Seconds(30);  // asked for, but this source answers at once
  options.interval = absl::Milliseconds(50);
  RevocationSync sync(
      list,
      shopcast::auth::ImmediateRevocationSource([&](int64_t) -> absl::StatusOr<RevocationBatch> {
        ++fetches;
        return RevocationBatch{};
      }),
      options, nullptr);
  const absl::Time start = absl::Now();
  sync.Start();
  REQUIRE(shopcast::testing::WaitUntil([&] { return fetches.load() >= 4; }, absl::Seconds(10)));
  sync.Stop();
  const absl::Duration elapsed = absl::Now() - start;
  // Each pull but the first waits an interval first.
  CHECK(fetches.load() <= 1 + elapsed / options.interval);
}

TEST_CASE("failed pulls are retried with a growing backoff") {
  RevocationList list;
  absl::Mutex mu;
  std::vector<absl::Time> calls;
  shopcast::auth::RevocationSyncOptions options;
  options.interval = absl::Milliseconds(20);
  options.max_backoff = absl::Milliseconds(400);
  // Told after failed pulls too: the user service ends its held calls' waits from here.
  std::atomic<int> told{0};
  options.on_pulled = [&](int64_t) { ++told; };
  RevocationSync sync(
      list,
      shopcast::auth::ImmediateRevocationSource([&](int64_t) -> absl::StatusOr<RevocationBatch> {
        absl::MutexLock lock(&mu);
        calls.push_back(absl::Now());
        return absl::UnavailableError("user service is unavailable");
      }),
      options, nullptr);
  sync.Start();
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        absl::MutexLock lock(&mu);
        return calls.size() >= 7;
      },
      absl::Seconds(20)));
  sync.Stop();
  CHECK(sync.stale());
  CHECK(told.load() >= 6);
  absl::MutexLock lock(&mu);
  // The seventh call follows the sixth failure: 20 ms * 2^5 capped at 400 ms, drawn from its
  // upper half.
  CHECK(calls[6] - calls[5] >= absl::Milliseconds(200));
}
