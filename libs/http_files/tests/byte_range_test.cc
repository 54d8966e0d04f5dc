#include "shopcast/http_files/byte_range.h"

#include <catch2/catch.hpp>

namespace shopcast::http_files {
namespace {

constexpr uint64_t kSize = 1000;

void RequirePartial(std::string_view header, uint64_t first, uint64_t last) {
  INFO(header);
  const RangeDecision d = EvaluateRange(header, kSize);
  REQUIRE(d.outcome == RangeOutcome::kPartial);
  CHECK(d.first == first);
  CHECK(d.last == last);
}

void RequireOutcome(std::string_view header, RangeOutcome outcome, uint64_t size = kSize) {
  INFO(header);
  CHECK(EvaluateRange(header, size).outcome == outcome);
}

TEST_CASE("A single byte range in each of its three forms selects the right bytes",
          "[hls][range]") {
  RequirePartial("bytes=0-9", 0, 9);
  RequirePartial("bytes=10-", 10, 999);
  RequirePartial("bytes=-5", 995, 999);
  RequirePartial("bytes=999-999", 999, 999);
  RequirePartial("BYTES = 3-4", 3, 4);         // Unit is case-insensitive, whitespace allowed.
  RequirePartial("bytes=990-5000", 990, 999);  // Last position past the end is clamped.
  RequirePartial("bytes=-5000", 0, 999);       // Suffix longer than the file: the whole file.
  RequirePartial("bytes=0-99999999999999999999999", 0, 999);  // Saturates, no overflow.
  RequirePartial("bytes=5-6,", 5, 6);                         // Empty list elements are skipped.
}

TEST_CASE("Ranges that cannot be served are unsatisfiable (416)", "[hls][range]") {
  RequireOutcome("bytes=1000-", RangeOutcome::kUnsatisfiable);
  RequireOutcome("bytes=1000-2000", RangeOutcome::kUnsatisfiable);
  RequireOutcome("bytes=-0", RangeOutcome::kUnsatisfiable);
  RequireOutcome("bytes=9-3", RangeOutcome::kUnsatisfiable);
  RequireOutcome("bytes=99999999999999999999999-", RangeOutcome::kUnsatisfiable);
  RequireOutcome("bytes=0-", RangeOutcome::kUnsatisfiable, 0);
  RequireOutcome("bytes=-5", RangeOutcome::kUnsatisfiable, 0);
}

TEST_CASE("Malformed headers, other units and multiple ranges get the whole file", "[hls][range]") {
  for (std::string_view header :
       {"", "bytes", "bytes=", "bytes=-", "bytes=a-b", "bytes=1-2-3", "bytes=1 -2", "items=0-9",
        "bytes=0-1,5-6", "bytes=0x10-", "bytes=+1-2", "bytes=,,"}) {
    RequireOutcome(header, RangeOutcome::kWholeFile);
  }
}

}  // namespace
}  // namespace shopcast::http_files
