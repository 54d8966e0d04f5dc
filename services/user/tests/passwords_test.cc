#include "passwords.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "shopcast/status/status.h"

using shopcast::user::ConcurrencyLimit;
using shopcast::user::HashCost;
using shopcast::user::PasswordHasher;

TEST_CASE("Argon2id hashes verify the right password only") {
  PasswordHasher hasher;
  auto h = hasher.Hash("correct horse battery");
  REQUIRE(h.ok());
  CHECK(absl::StartsWith(*h, "$argon2id$"));
  CHECK(absl::StrContains(*h, "m=19456,t=2,p=1"));  // OWASP minimum
  CHECK(hasher.Verify("correct horse battery", *h).value());
  CHECK_FALSE(hasher.Verify("correct horse batterz", *h).value());
  CHECK_FALSE(hasher.Verify("", *h).value());
  CHECK_FALSE(hasher.Verify("correct horse battery", "not a hash").value());
}

TEST_CASE("the same password gets a different salt every time") {
  PasswordHasher hasher;
  CHECK(hasher.Hash("correct horse battery").value() !=
        hasher.Hash("correct horse battery").value());
}

TEST_CASE("hashes made at a lower cost are flagged for rehash") {
  PasswordHasher weak(HashCost{1, 8u * 1024u * 1024u});
  PasswordHasher current;
  auto h = weak.Hash("correct horse battery").value();
  CHECK(current.NeedsRehash(h));
  CHECK(current.Verify("correct horse battery", h).value());  // still verifies
  CHECK_FALSE(current.NeedsRehash(current.Hash("x-correct horse").value()));
}

TEST_CASE("with every hashing slot taken, hashing is refused rather than adding 19 MiB more") {
  ConcurrencyLimit limit(1, absl::ZeroDuration());
  PasswordHasher hasher(HashCost{}, &limit);
  const std::string h = hasher.Hash("correct horse battery").value();
  {
    auto held = limit.Acquire();  // what a concurrent call would hold
    REQUIRE(held.has_value());
    for (const absl::Status& s : {hasher.Hash("correct horse battery").status(),
                                  hasher.Verify("correct horse battery", h).status(),
                                  hasher.VerifyDummy("correct horse battery")}) {
      CHECK(s.code() == absl::StatusCode::kResourceExhausted);
      CHECK(shopcast::ReasonOf(s) == "PASSWORD_HASHING_BUSY");
    }
  }
  // Released: hashing works again.
  CHECK(hasher.Verify("correct horse battery", h).value());
  CHECK(limit.in_use() == 0);
}

TEST_CASE("a concurrency limit never lets more than its size in, and queued callers get in") {
  ConcurrencyLimit limit(2, absl::Hours(1));
  std::atomic<int> inside{0};
  std::atomic<int> peak{0};
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto slot = limit.Acquire();  // Catch2 assertions are not thread-safe: count instead
      if (!slot) return;
      int now = ++inside;
      int seen = peak.load();
      while (now > seen && !peak.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::yield();
      --inside;
      ++done;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(done == 8);
  CHECK(peak <= 2);
  CHECK(limit.in_use() == 0);
}
