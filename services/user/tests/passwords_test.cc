#include "passwords.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"

using shopcast::user::HashCost;
using shopcast::user::PasswordHasher;

TEST_CASE("Argon2id hashes verify the right password only") {
  PasswordHasher hasher;
  auto h = hasher.Hash("correct horse battery");
  REQUIRE(h.ok());
  CHECK(absl::StartsWith(*h, "$argon2id$"));
  CHECK(absl::StrContains(*h, "m=19456,t=2,p=1"));  // OWASP minimum
  CHECK(hasher.Verify("correct horse battery", *h));
  CHECK_FALSE(hasher.Verify("correct horse batterz", *h));
  CHECK_FALSE(hasher.Verify("", *h));
  CHECK_FALSE(hasher.Verify("correct horse battery", "not a hash"));
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
  CHECK(current.Verify("correct horse battery", h));  // still verifies
  CHECK_FALSE(current.NeedsRehash(current.Hash("x-correct horse").value()));
}
