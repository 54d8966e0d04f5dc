#pragma once

// The Range request header (RFC 9110 §14), reduced to what a file origin needs: one byte range
// or the whole file. Pure, so it can be unit-tested and fuzzed.

#include <cstdint>
#include <string_view>

namespace shopcast::http_files {

enum class RangeOutcome {
  kWholeFile,      // No header, a syntax error, another unit, or several ranges: send 200.
  kPartial,        // One satisfiable range: send 206 with [first, last].
  kUnsatisfiable,  // Send 416 with "Content-Range: bytes */<size>".
};

struct RangeDecision {
  RangeOutcome outcome = RangeOutcome::kWholeFile;
  uint64_t first = 0;  // Inclusive; only meaningful for kPartial.
  uint64_t last = 0;   // Inclusive, < size; only meaningful for kPartial.
};

// Decides how to answer `header` (the Range value; empty if absent) for a file of `size` bytes.
RangeDecision EvaluateRange(std::string_view header, uint64_t size);

}  // namespace shopcast::http_files
