#pragma once

// Helpers shared by the RTMP fuzz targets: a check that crashes (so libFuzzer and the corpus
// replay report it) and the AMF0 round-trip property.

#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "rtmp/amf0.h"

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (false)

namespace shopcast::video_ingest::rtmp::fuzz {

// Whatever the decoder accepted must re-encode to bytes that decode to the same values. Compared
// as encodings so NaN payloads count as equal to themselves.
inline void CheckAmf0RoundTrip(std::span<const uint8_t> bytes) {
  auto decoded = DecodeAmf0(bytes);
  if (!decoded.ok()) return;
  std::vector<uint8_t> first;
  for (const Amf0Value& v : *decoded) EncodeAmf0(v, first);
  auto again = DecodeAmf0(first);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->size() == decoded->size());
  std::vector<uint8_t> second;
  for (const Amf0Value& v : *again) EncodeAmf0(v, second);
  FUZZ_CHECK(first == second);
  // The accessors must be safe on anything the decoder produces.
  for (const Amf0Value& v : *again) {
    (void)v.property("app");
    (void)v.number();
    (void)v.string();
  }
}

}  // namespace shopcast::video_ingest::rtmp::fuzz
