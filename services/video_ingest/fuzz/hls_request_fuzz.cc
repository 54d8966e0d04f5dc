// libFuzzer entry point for the HLS origin's pure request parsers: the target → file mapping
// (security-critical), the Low-Latency HLS delivery directives, and the Range header. Built by the
// fuzz preset (fuzz/fuzz.cmake) and replayed over its seed corpus in the normal build. Input: first
// byte picks the parser, the rest is the text; the size for ranges comes from the next 8 bytes so
// both small and huge files are explored.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "hls/hls_path.h"
#include "shopcast/http_files/byte_range.h"

namespace {

using shopcast::http_files::EvaluateRange;
using shopcast::http_files::RangeDecision;
using shopcast::http_files::RangeOutcome;
using shopcast::video_ingest::hls::HlsResource;
using shopcast::video_ingest::hls::ParseHlsTarget;

void CheckTarget(std::string_view target) {
  // Delivery directives come from the same target: bounded values, part only with msn.
  shopcast::video_ingest::hls::DeliveryDirectives d;
  if (ParseDeliveryDirectives(target, d) == shopcast::video_ingest::hls::DirectivesError::kOk) {
    if ((d.msn && (*d.msn < 0 || *d.msn > 999'999'999'999'999)) ||
        (d.part && (*d.part < 0 || *d.part > 9999 || !d.msn))) {
      std::abort();
    }
  }
  const auto resource = ParseHlsTarget(target);
  if (!resource) return;
  // A rung folder, when there is one, is "<digits>p" and nothing else.
  if (!resource->rung.empty() &&
      (resource->rung.size() > 5 || resource->rung.back() != 'p' ||
       resource->rung.find_first_not_of("0123456789", 0) != resource->rung.size() - 1)) {
    std::abort();
  }
  // Whatever was accepted must be a plain name: nothing that can leave the stream folder.
  for (std::string_view part :
       {std::string_view(resource->stream_id), std::string_view(resource->file_name)}) {
    if (part.empty() || part.find('/') != std::string_view::npos ||
        part.find('\\') != std::string_view::npos || part.find('\0') != std::string_view::npos ||
        part.find('%') != std::string_view::npos || part.find("..") != std::string_view::npos) {
      std::abort();
    }
  }
}

void CheckRange(std::string_view header, uint64_t size) {
  const RangeDecision d = EvaluateRange(header, size);
  if (d.outcome == RangeOutcome::kPartial && (d.first > d.last || d.last >= size)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const bool range = (data[0] & 1) != 0;
  ++data;
  --size;
  if (!range) {
    CheckTarget(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
  }
  uint64_t file_size = 0;
  if (size >= sizeof(file_size)) {
    std::memcpy(&file_size, data, sizeof(file_size));
    data += sizeof(file_size);
    size -= sizeof(file_size);
  }
  CheckRange(std::string_view(reinterpret_cast<const char*>(data), size), file_size);
  return 0;
}
