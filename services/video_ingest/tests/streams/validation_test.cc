// The input rules a host meets when creating or editing a stream.
#include "streams/validation.h"

#include <catch2/catch.hpp>

#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"

using namespace shopcast::video_ingest::streams;  // NOLINT: test file
using shopcast::ReasonOf;

TEST_CASE("titles: 1..120 characters of text, trimmed, no control characters") {
  CHECK(NormalizeTitle("  Spring sale  ").value() == "Spring sale");
  CHECK(NormalizeTitle(std::string(120, 'x')).ok());
  CHECK(NormalizeTitle("Ünïcödé 🎉 show").ok());
  // 120 code points of 4 bytes each are still 120 characters.
  std::string emoji;
  for (int i = 0; i < 120; ++i) emoji += "\xF0\x9F\x8E\x89";
  CHECK(NormalizeTitle(emoji).ok());
  for (const std::string& bad :
       {std::string(), std::string("   "), std::string(121, 'x'), std::string("bell\x07"),
        std::string("esc\x1b[31m"), std::string("bad \xff utf8"), std::string("\xc0\xaf")}) {
    INFO(bad);
    auto r = NormalizeTitle(bad);
    CHECK(ReasonOf(r.status()) == "TITLE_INVALID");
    CHECK(shopcast::FieldOf(r.status()) == "title");
  }
}

TEST_CASE("titles: no bidirectional controls, and not only invisible characters") {
  for (const std::string& bad : {
           std::string("Sale \xe2\x80\xae%05 ffo"),  // right-to-left override
           std::string("\xe2\x80\xaa"
                       "embedded"),  // left-to-right embedding
           std::string("a\xe2\x81\xa7"
                       "b"),                                     // first-strong isolate
           std::string("\xe2\x80\x8b"),                          // zero-width space
           std::string("\xe2\x80\x8c\xe2\x80\x8d\xe2\x81\xa0"),  // ZWNJ, ZWJ, word joiner
           std::string("\xc2\xa0\xc2\xa0"),                      // no-break spaces
           std::string("\xe2\xa0\x80"),                          // Braille blank
       }) {
    INFO(bad);
    CHECK(ReasonOf(NormalizeTitle(bad).status()) == "TITLE_INVALID");
  }
  // Right-to-left scripts themselves are welcome.
  CHECK(NormalizeTitle("\xd7\x9e\xd7\x91\xd7\xa6\xd7\xa2 \xd8\xaa\xd8\xae\xd9\x81\xd9\x8a\xd8\xb6")
            .ok());
  CHECK(ReasonOf(CheckDescription("ok\n\xe2\x80\xaetxet")) == "DESCRIPTION_INVALID");
  CHECK(ReasonOf(CheckDescription("\xe2\x80\x8b")) == "DESCRIPTION_INVALID");
}

TEST_CASE("descriptions: up to 2000 characters, newlines allowed") {
  CHECK(CheckDescription("").ok());
  CHECK(CheckDescription("line one\nline two\ttabbed").ok());
  CHECK(CheckDescription(std::string(2000, 'd')).ok());
  CHECK(ReasonOf(CheckDescription(std::string(2001, 'd'))) == "DESCRIPTION_TOO_LONG");
  CHECK(ReasonOf(CheckDescription("nul\x01")) == "DESCRIPTION_INVALID");
  CHECK(ReasonOf(CheckDescription("\xed\xa0\x80")) == "DESCRIPTION_INVALID");  // surrogate
}

TEST_CASE("tags: at most 10, [a-z0-9-], lower-cased, unique") {
  CHECK(NormalizeTags({"Fashion", "spring-2025"}).value() ==
        std::vector<std::string>{"fashion", "spring-2025"});
  CHECK(NormalizeTags({}).value().empty());
  CHECK(ReasonOf(NormalizeTags(std::vector<std::string>(11, "t")).status()) == "TOO_MANY_TAGS");
  for (const std::string& bad : {std::string(), std::string(31, 'a'), std::string("with space"),
                                 std::string("under_score"), std::string("ü")}) {
    INFO(bad);
    CHECK(ReasonOf(NormalizeTags({bad}).status()) == "TAG_INVALID");
  }
  CHECK(ReasonOf(NormalizeTags({"shoes", "SHOES"}).status()) == "TAG_INVALID");
  CHECK(NormalizeTagFilter("", "tag").value().empty());
  CHECK(ReasonOf(NormalizeTagFilter("no!", "tag").status()) == "TAG_INVALID");
}

TEST_CASE("schedules: in the future and at most 90 days ahead") {
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  CHECK(CheckSchedule(std::nullopt, now).ok());
  CHECK(CheckSchedule(now + absl::Minutes(1), now).ok());
  CHECK(CheckSchedule(now + absl::Hours(24 * 90), now).ok());
  CHECK(ReasonOf(CheckSchedule(now, now)) == "SCHEDULE_OUT_OF_RANGE");
  CHECK(ReasonOf(CheckSchedule(now - absl::Hours(1), now)) == "SCHEDULE_OUT_OF_RANGE");
  CHECK(ReasonOf(CheckSchedule(now + absl::Hours(24 * 90) + absl::Seconds(1), now)) ==
        "SCHEDULE_OUT_OF_RANGE");
}

TEST_CASE("idempotency keys, page sizes, ids and force-end reasons") {
  CHECK(CheckIdempotencyKey("create-1").ok());
  CHECK(ReasonOf(CheckIdempotencyKey("")) == "IDEMPOTENCY_KEY_REQUIRED");
  CHECK(ReasonOf(CheckIdempotencyKey(std::string(65, 'k'))) == "IDEMPOTENCY_KEY_INVALID");
  CHECK(ReasonOf(CheckIdempotencyKey("tab\there")) == "IDEMPOTENCY_KEY_INVALID");

  CHECK(EffectivePageSize(0).value() == kDefaultPageSize);
  CHECK(EffectivePageSize(100).value() == 100);
  CHECK(EffectivePageSize(1000, kMaxSegmentPageSize).value() == 1000);
  for (int bad : {-1, 101, INT32_MIN, INT32_MAX}) {
    CHECK(ReasonOf(EffectivePageSize(bad).status()) == "PAGE_SIZE_INVALID");
  }

  CHECK(CheckStreamId(shopcast::ids::NewId("str")).ok());
  CHECK(ReasonOf(CheckStreamId(shopcast::ids::NewId("usr"))) == "STREAM_ID_INVALID");
  CHECK(ReasonOf(CheckStreamId("str_'; DROP TABLE streams; --")) == "STREAM_ID_INVALID");
  CHECK(CheckHostFilter("").ok());
  CHECK(ReasonOf(CheckHostFilter("str_x")) == "USER_ID_INVALID");

  CHECK(CheckForceEndReason("nudity").ok());
  CHECK(ReasonOf(CheckForceEndReason("")) == "REASON_INVALID");
  CHECK(ReasonOf(CheckForceEndReason(std::string(501, 'r'))) == "REASON_INVALID");
}
