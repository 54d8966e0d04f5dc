// libFuzzer target for the Range header parser (byte_range.h). Built with clang by the fuzz
// preset and replayed over its seed corpus in the normal build (http_files_byte_range_fuzz_replay).
// Input: the first 8 bytes are the file size (so both small and huge files are explored), the
// rest is the header value.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "shopcast/http_files/byte_range.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using shopcast::http_files::EvaluateRange;
  using shopcast::http_files::RangeDecision;
  using shopcast::http_files::RangeOutcome;
  uint64_t file_size = 0;
  if (size >= sizeof(file_size)) {
    std::memcpy(&file_size, data, sizeof(file_size));
    data += sizeof(file_size);
    size -= sizeof(file_size);
  }
  const std::string_view header(reinterpret_cast<const char*>(data), size);
  const RangeDecision d = EvaluateRange(header, file_size);
  // A partial answer is always inside the file and never empty.
  if (d.outcome == RangeOutcome::kPartial && (d.first > d.last || d.last >= file_size)) {
    std::abort();
  }
  // An empty file has no satisfiable range.
  if (file_size == 0 && d.outcome == RangeOutcome::kPartial) std::abort();
  return 0;
}
