// libFuzzer target for the AMF0 decoder: no crash, no overread, bounded work, and whatever it
// accepts survives encode -> decode unchanged.

#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  shopcast::video_ingest::rtmp::fuzz::CheckAmf0RoundTrip(std::span<const uint8_t>(data, size));
  return 0;
}
