// ListRevocations as every other service calls it: a long poll over the internal listener,
// held while nothing is new and answered as soon as the replica pulls a revocation, or empty
// when the wait ends; and libs/auth's sync on libs/clients' source, kept current that way.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "shopcast/auth/revocations.h"
#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/clients/internal.h"
#include "shopcast/testing/temp_dir.h"
#include "shopcast/testing/wait.h"
#include "user_fixture.h"

using namespace shopcast::user::testing;  // NOLINT: test file
namespace v1 = shopcast::user::v1;
using shopcast::testing::WaitUntil;

namespace {

// The user service with its internal listener, and video-ingest's channel to it.
struct Env {
  shopcast::testing::TempDir dir;
  shopcast::auth::testing::DevPki pki{dir.File("pki"), {"user", "video-ingest"}};
  UserServiceFixture f{shopcast::user::AccountsOptions{}, pki.Of("user")};
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::UserInternalService::Stub> internal;

  Env() {
    auto c = shopcast::clients::MakeInternalChannel(
        "user", "127.0.0.1:" + std::to_string(f.internal_grpc_port()), pki.Of("video-ingest"));
    REQUIRE(c.ok());
    channel = *c;
    internal = v1::UserInternalService::NewStub(channel);
  }

  // Logs `name` out of every session: one revocation.
  void Revoke(const std::string& name) {
    v1::TokenPair tokens = f.LoginAs(name);
    REQUIRE(f.accounts().Logout(tokens.refresh_token(), /*all_sessions=*/true).ok());
  }
};

// One ListRevocations call on a thread of its own.
struct Poll {
  v1::ListRevocationsRequest request;
  v1::ListRevocationsResponse response;
  grpc::ClientContext ctx;
  grpc::Status status;
  std::atomic<bool> done{false};
  absl::Time started;
  absl::Time finished;
  std::thread thread;

  Poll(v1::UserInternalService::Stub& stub, int64_t after, absl::Duration wait) {
    request.set_after_sequence(after);
    request.mutable_wait()->set_seconds(absl::ToInt64Seconds(wait));
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + wait + absl::Seconds(30)));
    started = absl::Now();
    thread = std::thread([this, &stub] {
      status = stub.ListRevocations(&ctx, request, &response);
      finished = absl::Now();
      done = true;
    });
  }
  ~Poll() { thread.join(); }
};

}  // namespace

TEST_CASE("a long poll is held while nothing is new and answered when a revocation is pulled") {
  Env env;
  env.f.MakeUser("alice");
  env.f.MakeUser("bob");
  Poll poll(*env.internal, 0, absl::Seconds(50));
  REQUIRE(WaitUntil([&] { return env.f.revocation_waits().held() == 1; }, absl::Seconds(10)));
  // A pull with nothing new leaves it held.
  env.f.PullRevocations();
  CHECK(env.f.revocation_waits().held() == 1);
  CHECK_FALSE(poll.done.load());

  env.Revoke("alice");
  env.Revoke("bob");
  env.f.PullRevocations();  // what the service's own sync does every second
  REQUIRE(WaitUntil([&] { return poll.done.load(); }, absl::Seconds(20)));
  INFO(poll.status.error_message());
  REQUIRE(poll.status.ok());
  CHECK(poll.response.revocations_size() == 2);
  CHECK(poll.finished - poll.started < absl::Seconds(40));  // not at the end of its wait
  CHECK(env.f.revocation_waits().held() == 0);
}

TEST_CASE(
    "a long poll that finds revocations is answered at once, and an unheld call never waits") {
  Env env;
  env.f.MakeUser("carol");
  env.Revoke("carol");
  {
    Poll poll(*env.internal, 0, absl::Seconds(50));
    REQUIRE(WaitUntil([&] { return poll.done.load(); }, absl::Seconds(20)));
    REQUIRE(poll.status.ok());
    CHECK(poll.response.revocations_size() == 1);
  }
  // Without a wait nothing is held, news or not.
  v1::ListRevocationsRequest req;
  req.set_after_sequence(1'000'000);
  v1::ListRevocationsResponse res;
  auto ctx = Ctx();
  REQUIRE(env.internal->ListRevocations(ctx.get(), req, &res).ok());
  CHECK(res.revocations_size() == 0);
  CHECK(env.f.revocation_waits().held() == 0);
}

TEST_CASE("a held long poll is answered empty once its wait has passed") {
  Env env;
  Poll poll(*env.internal, 0, absl::Seconds(2));
  REQUIRE(WaitUntil([&] { return env.f.revocation_waits().held() == 1; }, absl::Seconds(10)));
  // The holds end on the service's pulls, as they do every second in the binary.
  REQUIRE(WaitUntil(
      [&] {
        env.f.PullRevocations();
        return poll.done.load();
      },
      absl::Seconds(20), absl::Milliseconds(200)));
  REQUIRE(poll.status.ok());
  CHECK(poll.response.revocations_size() == 0);
  CHECK(poll.finished - poll.started >= absl::Seconds(2));
}

TEST_CASE("a long poll whose client goes away is let go, and closing answers the rest at once") {
  Env env;
  auto gone = std::make_unique<Poll>(*env.internal, 0, absl::Seconds(50));
  auto kept = std::make_unique<Poll>(*env.internal, 0, absl::Seconds(50));
  REQUIRE(WaitUntil([&] { return env.f.revocation_waits().held() == 2; }, absl::Seconds(10)));
  gone->ctx.TryCancel();
  REQUIRE(WaitUntil([&] { return gone->done.load(); }, absl::Seconds(10)));
  CHECK(gone->status.error_code() == grpc::StatusCode::CANCELLED);
  CHECK(WaitUntil([&] { return env.f.revocation_waits().held() == 1; }, absl::Seconds(10)));
  // Shutting down: held calls are answered (nothing new), new ones are not held.
  env.f.revocation_waits().Close();
  REQUIRE(WaitUntil([&] { return kept->done.load(); }, absl::Seconds(10)));
  CHECK(kept->status.ok());
  CHECK(kept->response.revocations_size() == 0);
  Poll late(*env.internal, 0, absl::Seconds(50));
  REQUIRE(WaitUntil([&] { return late.done.load(); }, absl::Seconds(10)));
  CHECK(late.status.ok());
}

TEST_CASE("a wait outside 0 to 60 seconds is refused") {
  Env env;
  for (auto [seconds, nanos] :
       {std::pair<int64_t, int32_t>{-1, 0}, {61, 0}, {60, 1}, {1, -5}, {0, 1'000'000'000}}) {
    v1::ListRevocationsRequest req;
    req.mutable_wait()->set_seconds(seconds);
    req.mutable_wait()->set_nanos(nanos);
    v1::ListRevocationsResponse res;
    auto ctx = Ctx();
    grpc::Status st = env.internal->ListRevocations(ctx.get(), req, &res);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(ReasonOf(*ctx) == "WAIT_INVALID");
  }
  CHECK(env.f.revocation_waits().held() == 0);
}

TEST_CASE(
    "a service's revocation sync long-polls the user service and stops without waiting it out") {
  Env env;
  env.f.MakeUser("dave");
  shopcast::auth::RevocationList list;
  shopcast::auth::RevocationSyncOptions options;
  options.long_poll = absl::Seconds(50);
  options.interval = absl::Seconds(60);  // only a held call answered at once can be in time
  shopcast::auth::RevocationSync sync(list, shopcast::clients::UserRevocationSource(env.channel),
                                      options, nullptr);
  sync.Start();
  REQUIRE(WaitUntil([&] { return env.f.revocation_waits().held() == 1; }, absl::Seconds(10)));
  env.Revoke("dave");
  env.f.PullRevocations();
  REQUIRE(WaitUntil([&] { return list.last_sequence() >= 1; }, absl::Seconds(20)));
  CHECK_FALSE(sync.stale());
  // The next poll is held again; Stop() cancels it instead of waiting 50 s.
  REQUIRE(WaitUntil([&] { return env.f.revocation_waits().held() == 1; }, absl::Seconds(10)));
  const absl::Time before = absl::Now();
  sync.Stop();
  CHECK(absl::Now() - before < absl::Seconds(20));
  CHECK(WaitUntil([&] { return env.f.revocation_waits().held() == 0; }, absl::Seconds(10)));
}
