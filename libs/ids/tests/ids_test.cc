#include "shopcast/ids/ids.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "shopcast/ids/secrets.h"

namespace ids = shopcast::ids;

namespace {

const std::string kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

}  // namespace

TEST_CASE("NewId has the prefix, an underscore and 26 Crockford characters") {
  for (const char* prefix : {"prd", "o", "abcdefgh"}) {
    std::string id = ids::NewId(prefix);
    INFO(id);
    std::string want_prefix = std::string(prefix) + "_";
    REQUIRE(id.size() == want_prefix.size() + 26);
    CHECK(id.rfind(want_prefix, 0) == 0);
    std::string body = id.substr(want_prefix.size());
    CHECK(body.find_first_not_of(kAlphabet) == std::string::npos);
    CHECK(body[0] <= '7');
    CHECK(ids::IsValidId(id, prefix));
  }
}

TEST_CASE("NewTimeOrderedId has the id format and sorts by its time to the millisecond") {
  const absl::Time t0 = absl::FromUnixMillis(1764979200123);  // 2025-12-06 00:00:00.123 UTC
  const std::string a = ids::NewTimeOrderedId("res", t0);
  const std::string b = ids::NewTimeOrderedId("res", t0 + absl::Milliseconds(1));
  const std::string c = ids::NewTimeOrderedId("res", t0 + absl::Hours(24 * 365));
  INFO(a << " " << b << " " << c);
  CHECK(ids::IsValidId(a, "res"));
  CHECK(ids::IsValidId(b, "res"));
  CHECK(ids::IsValidId(c, "res"));
  CHECK(a < b);
  CHECK(b < c);
  // The first 10 characters are the 48-bit time (ULID layout); the same millisecond gives the
  // same 10, and the rest is random.
  const std::string a2 = ids::NewTimeOrderedId("res", t0);
  CHECK(a2.substr(0, 14) == a.substr(0, 14));
  CHECK(a2 != a);
  std::array<uint8_t, 6> ms{};
  for (int i = 0; i < 6; ++i) ms[i] = static_cast<uint8_t>(1764979200123ULL >> (40 - 8 * i));
  CHECK(a.substr(4, 10) == ids::CrockfordEncode(ms.data(), ms.size()));
}

TEST_CASE("NewTimeOrderedId keeps 80 random bits within one millisecond") {
  const absl::Time t = absl::FromUnixMillis(1764979200123);
  std::unordered_set<std::string> seen;
  std::array<std::unordered_set<char>, 16> per_position;
  constexpr int kCount = 20000;
  for (int i = 0; i < kCount; ++i) {
    const std::string id = ids::NewTimeOrderedId("res", t);
    seen.insert(id);
    for (size_t p = 0; p < 16; ++p) per_position[p].insert(id[4 + 10 + p]);
  }
  CHECK(seen.size() == kCount);
  for (size_t p = 0; p < per_position.size(); ++p) {
    INFO("random position " << p);
    CHECK(per_position[p].size() == 32);
  }
}

TEST_CASE("NewId does not repeat over 100k ids") {
  std::unordered_set<std::string> seen;
  constexpr int kCount = 100000;
  for (int i = 0; i < kCount; ++i) seen.insert(ids::NewId("ord"));
  CHECK(seen.size() == kCount);
}

TEST_CASE("NewId uses every position's full range (not a counter or a short random)") {
  // Over 2000 ids each of the last 25 positions should take most of the 32 values; a fixed or
  // low-entropy position would show up as a handful of distinct characters.
  std::array<std::unordered_set<char>, 26> per_position;
  for (int i = 0; i < 2000; ++i) {
    std::string body = ids::NewId("x").substr(2);
    for (size_t p = 0; p < body.size(); ++p) per_position[p].insert(body[p]);
  }
  CHECK(per_position[0].size() == 8);  // 3 significant bits
  for (size_t p = 1; p < per_position.size(); ++p) {
    INFO("position " << p);
    CHECK(per_position[p].size() == 32);
  }
}

TEST_CASE("NewId never repeats across threads (each thread reads its own random buffer)") {
  constexpr int kThreads = 4;
  constexpr int kEach = 5000;
  std::vector<std::vector<std::string>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&made, t] {
      for (int i = 0; i < kEach; ++i) made[t].push_back(ids::NewId("res"));
    });
  }
  for (std::thread& t : threads) t.join();
  std::unordered_set<std::string> seen;
  for (const auto& v : made) seen.insert(v.begin(), v.end());
  CHECK(seen.size() == static_cast<size_t>(kThreads * kEach));
}

TEST_CASE("A forked child does not hand out the parent's next id") {
  // The parent's buffer holds its next ids; without discarding it in the child, both would
  // produce the same id next.
  (void)ids::NewId("res");
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const std::string id = ids::NewId("res");
    const ssize_t written = write(fds[1], id.data(), id.size());
    _exit(written == static_cast<ssize_t>(id.size()) ? 0 : 1);
  }
  close(fds[1]);
  const std::string mine = ids::NewId("res");
  std::string theirs(mine.size(), '\0');
  size_t got = 0;
  while (got < theirs.size()) {
    const ssize_t n = read(fds[0], theirs.data() + got, theirs.size() - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  close(fds[0]);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(got == mine.size());
  CHECK(ids::IsValidId(theirs, "res"));
  CHECK(theirs != mine);
}

TEST_CASE("IsValidId rejects anything but the exact strict form") {
  const std::string good = "prd_0123456789ABCDEFGHJKMNPQRS";
  REQUIRE(ids::IsValidId(good, "prd"));

  SECTION("wrong or missing prefix") {
    CHECK_FALSE(ids::IsValidId(good, "ord"));
    CHECK_FALSE(ids::IsValidId(good, "pr"));
    CHECK_FALSE(ids::IsValidId(good, "prdx"));
    CHECK_FALSE(ids::IsValidId("0123456789ABCDEFGHJKMNPQRS", "prd"));
    CHECK_FALSE(ids::IsValidId("PRD_0123456789ABCDEFGHJKMNPQRS", "prd"));
    CHECK_FALSE(ids::IsValidId("prd-0123456789ABCDEFGHJKMNPQRS", "prd"));
  }
  SECTION("wrong length") {
    CHECK_FALSE(ids::IsValidId(good.substr(0, good.size() - 1), "prd"));
    CHECK_FALSE(ids::IsValidId(good + "0", "prd"));
    CHECK_FALSE(ids::IsValidId("prd_", "prd"));
    CHECK_FALSE(ids::IsValidId("", "prd"));
  }
  SECTION("characters outside the alphabet") {
    for (char bad : {'I', 'L', 'O', 'U', 'a', 'z', '-', '_', ' ', '\0'}) {
      std::string id = good;
      id[10] = bad;
      INFO("char code " << static_cast<int>(bad));
      CHECK_FALSE(ids::IsValidId(id, "prd"));
    }
    CHECK_FALSE(ids::IsValidId("prd_0123456789abcdefghjkmnpqrs", "prd"));
  }
  SECTION("first character above '7' would exceed 128 bits") {
    CHECK(ids::IsValidId("prd_7ZZZZZZZZZZZZZZZZZZZZZZZZZ", "prd"));
    CHECK_FALSE(ids::IsValidId("prd_8ZZZZZZZZZZZZZZZZZZZZZZZZZ", "prd"));
    CHECK_FALSE(ids::IsValidId("prd_Z0000000000000000000000000", "prd"));
  }
}

TEST_CASE("CrockfordEncode known answers") {
  std::array<uint8_t, 16> zeros{};
  CHECK(ids::CrockfordEncode(zeros.data(), zeros.size()) == std::string(26, '0'));

  std::array<uint8_t, 16> ones;
  ones.fill(0xFF);
  CHECK(ids::CrockfordEncode(ones.data(), ones.size()) == "7ZZZZZZZZZZZZZZZZZZZZZZZZZ");

  // The value 1 lands in the last character; 0x80 in the first byte lands in the first.
  std::array<uint8_t, 16> one{};
  one[15] = 1;
  CHECK(ids::CrockfordEncode(one.data(), one.size()) == std::string(25, '0') + "1");
  std::array<uint8_t, 16> top{};
  top[0] = 0x80;
  CHECK(ids::CrockfordEncode(top.data(), top.size()) == "4" + std::string(25, '0'));

  // Short inputs: 0xFF is 8 bits -> "7Z"; 5 bytes are exactly 8 characters, no padding.
  const uint8_t ff = 0xFF;
  CHECK(ids::CrockfordEncode(&ff, 1) == "7Z");
  const uint8_t five[] = {0x00, 0x44, 0x32, 0x14, 0xC7};  // 5-bit groups 0,1,2,...,7
  CHECK(ids::CrockfordEncode(five, 5) == "01234567");
  CHECK(ids::CrockfordEncode(nullptr, 0).empty());
}

TEST_CASE("NewSecret returns unpadded base64url of the requested size") {
  std::string s32 = ids::NewSecret(32);
  CHECK(s32.size() == 43);  // ceil(32 * 4 / 3)
  CHECK(ids::NewSecret(30).size() == 40);
  CHECK(ids::NewSecret(1).size() == 2);
  CHECK(ids::NewSecret(0).empty());
  const std::string charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (int i = 0; i < 100; ++i) {
    std::string s = ids::NewSecret(32);
    INFO(s);
    CHECK(s.find_first_not_of(charset) == std::string::npos);
  }
  CHECK(ids::NewSecret(32) != ids::NewSecret(32));
}

TEST_CASE("HashSecret is lower-hex SHA-256") {
  CHECK(ids::HashSecret("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(ids::HashSecret("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  std::string s = ids::NewSecret(32);
  CHECK(ids::HashSecret(s) == ids::HashSecret(s));
  CHECK(ids::HashSecret(s) != ids::HashSecret(s + "x"));
}

TEST_CASE("ConstantTimeEquals compares content and length") {
  CHECK(ids::ConstantTimeEquals("secret", "secret"));
  CHECK_FALSE(ids::ConstantTimeEquals("secret", "secreT"));
  CHECK_FALSE(ids::ConstantTimeEquals("secret", "secret2"));
  CHECK_FALSE(ids::ConstantTimeEquals("", "a"));
  CHECK(ids::ConstantTimeEquals("", ""));
  std::string h = ids::HashSecret("token");
  CHECK(ids::ConstantTimeEquals(h, ids::HashSecret("token")));
}

TEST_CASE("NewUniqueId never repeats, across threads, and has the id format") {
  constexpr int kThreads = 4;
  constexpr int kEach = 20000;
  std::vector<std::vector<std::string>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&made, t] {
      for (int i = 0; i < kEach; ++i) made[t].push_back(ids::NewUniqueId("req"));
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& v : made) all.insert(v.begin(), v.end());
  CHECK(all.size() == static_cast<size_t>(kThreads * kEach));
  CHECK(ids::IsValidId(*all.begin(), "req"));
  CHECK(ids::IsValidId(*all.rbegin(), "req"));
}

TEST_CASE("NewUniqueInlineId has the id format and shares NewUniqueId's sequence") {
  std::set<std::string> all;
  for (int i = 0; i < 1000; ++i) {
    const ids::InlineId inline_id = ids::NewUniqueInlineId("req");
    all.insert(std::string(inline_id.view()));
    all.insert(ids::NewUniqueId("req"));
    CHECK(ids::IsValidId(inline_id.view(), "req"));
  }
  CHECK(all.size() == 2000);  // one counter: the two kinds never collide
  const ids::InlineId longest = ids::NewUniqueInlineId("abcdefgh");
  CHECK(longest.view().size() == ids::kMaxIdLength);
  CHECK(ids::IsValidId(longest.view(), "abcdefgh"));
}
