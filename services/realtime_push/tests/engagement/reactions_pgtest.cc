// Reactions through whole App replicas against real PostgreSQL: one reaction per signed-in user
// and per anonymous session, idempotent, moved between LIKE and DISLIKE; a storm of taps on
// two replicas pushed as a few coalesced ReactionCounts ending at the final counts; the counts
// in a new subscriber's snapshot; a closed room refusing reactions.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "engagement/engagement_client.h"
#include "shopcast/testing/wait.h"

namespace rp = shopcast::realtime_push::testing;
namespace pb = shopcast::realtime_push::v1;
using shopcast::testing::WaitUntil;

namespace {

constexpr char kReactionRows[] = "SELECT count(*) FROM room_reactions WHERE stream_id = $1";

void CheckCounts(const pb::SetReactionResponse& res, int64_t likes, int64_t dislikes) {
  CHECK(res.counts().likes() == likes);
  CHECK(res.counts().dislikes() == dislikes);
}

}  // namespace

TEST_CASE("SetReaction keeps one reaction per signed-in user, idempotent, moved between kinds") {
  rp::RoomsFixture f;
  auto& a = f.AddReplica();
  auto& b = f.AddReplica();
  auto sa = a.PublicStub();
  auto sb = b.PublicStub();
  const std::string room = f.OpenRoom();
  const std::string ann = f.TokenFor("usr_ann");
  const std::string bob = f.TokenFor("usr_bob");
  pb::SetReactionResponse res;

  REQUIRE(rp::SetReaction(*sa, room, "", pb::REACTION_LIKE, ann, &res).ok());
  CheckCounts(res, 1, 0);
  CHECK(res.reaction() == pb::REACTION_LIKE);
  const int64_t version = res.counts().version();
  // The same tap again, on the other replica: nothing moves.
  REQUIRE(rp::SetReaction(*sb, room, "", pb::REACTION_LIKE, ann, &res).ok());
  CheckCounts(res, 1, 0);
  CHECK(res.counts().version() == version);
  // LIKE -> DISLIKE moves the count.
  REQUIRE(rp::SetReaction(*sa, room, "", pb::REACTION_DISLIKE, ann, &res).ok());
  CheckCounts(res, 0, 1);
  CHECK(res.counts().version() > version);
  REQUIRE(rp::SetReaction(*sb, room, "", pb::REACTION_LIKE, bob, &res).ok());
  CheckCounts(res, 1, 1);
  // A signed-in caller is the user whatever session id the client sends.
  REQUIRE(rp::SetReaction(*sa, room, rp::SessionId(1), pb::REACTION_LIKE, bob, &res).ok());
  CheckCounts(res, 1, 1);
  // Withdrawing, twice.
  REQUIRE(rp::SetReaction(*sa, room, "", pb::REACTION_NONE, ann, &res).ok());
  CheckCounts(res, 1, 0);
  CHECK(res.reaction() == pb::REACTION_NONE);
  REQUIRE(rp::SetReaction(*sb, room, "", pb::REACTION_NONE, ann, &res).ok());
  CheckCounts(res, 1, 0);
  CHECK(rp::QueryInt(f, kReactionRows, room) == 1);
}

TEST_CASE("SetReaction counts anonymous viewers once per session") {
  rp::RoomsFixture f;
  auto stub = f.AddReplica().PublicStub();
  const std::string room = f.OpenRoom();
  pb::SetReactionResponse res;

  REQUIRE(rp::SetReaction(*stub, room, rp::SessionId(1), pb::REACTION_LIKE, "", &res).ok());
  REQUIRE(rp::SetReaction(*stub, room, rp::SessionId(1), pb::REACTION_LIKE, "", &res).ok());
  CheckCounts(res, 1, 0);
  REQUIRE(rp::SetReaction(*stub, room, rp::SessionId(2), pb::REACTION_LIKE, "", &res).ok());
  CheckCounts(res, 2, 0);
  REQUIRE(rp::SetReaction(*stub, room, rp::SessionId(1), pb::REACTION_DISLIKE, "", &res).ok());
  CheckCounts(res, 1, 1);
  // A signed-in user is another identity than any anonymous session.
  REQUIRE(rp::SetReaction(*stub, room, rp::SessionId(2), pb::REACTION_DISLIKE,
                          f.TokenFor("usr_cat"), &res)
              .ok());
  CheckCounts(res, 1, 2);
  REQUIRE(rp::SetReaction(*stub, room, rp::SessionId(2), pb::REACTION_NONE, "", &res).ok());
  CheckCounts(res, 0, 2);
  CHECK(rp::QueryInt(f, kReactionRows, room) == 2);
}

TEST_CASE("A storm of reactions on two replicas is pushed as a few coalesced counts") {
  rp::RoomsFixture f;
  auto& a = f.AddReplica();
  auto& b = f.AddReplica();
  const std::string room = f.OpenRoom();
  auto watch_stub = a.PublicStub();
  auto watch_b_stub = b.PublicStub();
  rp::Subscriber watcher(*watch_stub, room, 0);
  rp::Subscriber watcher_b(*watch_b_stub, room, 0);
  REQUIRE(watcher.WaitForCount(1));
  REQUIRE(watcher_b.WaitForCount(1));

  // 500 reactions from 200 identities (anonymous sessions and users), on both replicas, from
  // 8 client threads; each identity ends on a known reaction.
  constexpr int kThreads = 8;
  constexpr int kTaps = 500;
  const auto started = std::chrono::steady_clock::now();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto stub = (t % 2 == 0 ? a : b).PublicStub();
      for (int i = t; i < kTaps; i += kThreads) {
        const int who = i % 200;
        const pb::Reaction r = (i / 200) % 3 == 0   ? pb::REACTION_LIKE
                               : (i / 200) % 3 == 1 ? pb::REACTION_DISLIKE
                                                    : pb::REACTION_NONE;
        const std::string token = who % 4 == 0 ? f.TokenFor(absl::StrCat("usr_", who)) : "";
        if (!rp::SetReaction(*stub, room, rp::SessionId(who), r, token).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  REQUIRE(failures == 0);

  pb::RoomStats final_stats;
  REQUIRE(rp::Stats(*watch_stub, room, "", &final_stats).ok());
  // Taps 0..199 LIKE, 200..399 DISLIKE, 400..499 NONE: identities 100..199 dislike.
  CHECK(final_stats.total_likes() == 0);
  CHECK(final_stats.total_dislikes() == 100);
  auto final_seen = [&](const rp::Subscriber& s) {
    auto events = rp::ReactionEvents(s);
    if (events.empty()) return false;
    // The last push is the one with the highest version (versions grow with each change).
    const pb::ReactionCounts* last = &events.front();
    for (const auto& e : events) {
      if (e.version() > last->version()) last = &e;
    }
    return last->likes() == final_stats.total_likes() &&
           last->dislikes() == final_stats.total_dislikes();
  };
  REQUIRE(
      WaitUntil([&] { return final_seen(watcher) && final_seen(watcher_b); }, absl::Seconds(30)));
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // One push per 250 ms per room across both replicas (the default interval), plus the first
  // and the trailing one; never one per tap.
  for (const rp::Subscriber* s : {&watcher, &watcher_b}) {
    const auto events = rp::ReactionEvents(*s);
    INFO("reaction events " << events.size() << " in " << elapsed << " s");
    CHECK(events.size() <= static_cast<size_t>(4 * elapsed + 2));
  }
}

TEST_CASE("A new subscriber's snapshot carries the reaction and viewer counts") {
  rp::RoomsFixture f;
  auto stub = f.AddReplica().PublicStub();
  const std::string room = f.OpenRoom();
  REQUIRE(rp::SetReaction(*stub, room, rp::SessionId(1), pb::REACTION_LIKE).ok());
  REQUIRE(rp::SetReaction(*stub, room, rp::SessionId(2), pb::REACTION_LIKE).ok());
  REQUIRE(rp::SetReaction(*stub, room, rp::SessionId(3), pb::REACTION_DISLIKE).ok());
  REQUIRE(rp::Join(*stub, room, rp::SessionId(1)).ok());

  rp::Subscriber s(*stub, room, 0);
  REQUIRE(s.WaitForCount(1));
  // A copy: Received() returns the messages so far by value.
  const pb::RoomSnapshot snap = s.Received().front().started().snapshot();
  CHECK(snap.total_likes() == 2);
  CHECK(snap.total_dislikes() == 1);
  CHECK(snap.viewer_count() == 1);
}

TEST_CASE("A closed room refuses reactions and keeps its counts") {
  rp::RoomsFixture f;
  auto stub = f.AddReplica().PublicStub();
  const std::string room = f.OpenRoom();
  REQUIRE(rp::SetReaction(*stub, room, rp::SessionId(1), pb::REACTION_LIKE).ok());
  rp::CloseRoom(f, room);

  rp::Outcome out = rp::SetReaction(*stub, room, rp::SessionId(2), pb::REACTION_LIKE);
  CHECK(out.code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(out.reason == "ROOM_CLOSED");
  out = rp::SetReaction(*stub, room, rp::SessionId(1), pb::REACTION_NONE);
  CHECK(out.reason == "ROOM_CLOSED");
  pb::RoomStats stats;
  REQUIRE(rp::Stats(*stub, room, "", &stats).ok());
  CHECK(stats.total_likes() == 1);
  CHECK_FALSE(stats.open());
}
