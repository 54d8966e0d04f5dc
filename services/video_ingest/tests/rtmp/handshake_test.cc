#include "rtmp/handshake.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>

#include "shopcast/status/status.h"

namespace shopcast::video_ingest::rtmp {
namespace {

std::vector<uint8_t> C0C1(uint8_t version) {
  std::vector<uint8_t> c(1 + kHandshakeSize);
  c[0] = version;
  for (size_t i = 1; i < c.size(); ++i) c[i] = static_cast<uint8_t>(i * 7);
  return c;
}

}  // namespace

TEST_CASE("The handshake answers S0 version 3, S1 time+zero+random and S2 echoing C1") {
  const std::vector<uint8_t> c0c1 = C0C1(3);
  std::mt19937_64 random(1);
  auto answer = AnswerC0C1(c0c1, 0x01020304, random);
  REQUIRE(answer.ok());
  REQUIRE(answer->size() == 1 + 2 * kHandshakeSize);
  CHECK((*answer)[0] == 3);
  const auto s1 = std::span(*answer).subspan(1, kHandshakeSize);
  CHECK(std::vector<uint8_t>(s1.begin(), s1.begin() + 8) ==
        std::vector<uint8_t>{1, 2, 3, 4, 0, 0, 0, 0});
  // The random part is not a constant pattern.
  const size_t zeros = std::count(s1.begin() + 8, s1.end(), 0);
  CHECK(zeros < 100);
  const auto s2 = std::span(*answer).subspan(1 + kHandshakeSize);
  CHECK(std::equal(s2.begin(), s2.end(), c0c1.begin() + 1, c0c1.end()));
}

TEST_CASE("Two handshakes get different random bytes") {
  auto a = AnswerC0C1(C0C1(3));
  auto b = AnswerC0C1(C0C1(3));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(std::vector<uint8_t>(a->begin() + 9, a->begin() + 1 + kHandshakeSize) !=
        std::vector<uint8_t>(b->begin() + 9, b->begin() + 1 + kHandshakeSize));
  CHECK(std::vector<uint8_t>(a->begin() + 1, a->begin() + 9) ==
        std::vector<uint8_t>(8, 0));  // Default epoch 0.
}

TEST_CASE("The handshake refuses other versions and inputs of the wrong size") {
  for (uint8_t version : {0, 6, 0xFF}) {
    INFO("version " << int{version});
    CHECK(ReasonOf(AnswerC0C1(C0C1(version)).status()) == "RTMP_HANDSHAKE_INVALID");
  }
  std::vector<uint8_t> c = C0C1(3);
  CHECK(ReasonOf(AnswerC0C1(std::span(c).first(kHandshakeSize)).status()) ==
        "RTMP_HANDSHAKE_INVALID");
  CHECK(ReasonOf(AnswerC0C1({}).status()) == "RTMP_HANDSHAKE_INVALID");
  c.push_back(0);
  CHECK(AnswerC0C1(c).status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace shopcast::video_ingest::rtmp
