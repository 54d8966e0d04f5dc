#pragma once

// AMF0 (Action Message Format 0), the encoding of RTMP command and data messages. The decoder
// faces the network: it is bounded in depth, element count and string length, and never reads
// past its input.

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"

namespace shopcast::video_ingest::rtmp {

struct Amf0Value;
// Objects and ECMA arrays keep their properties in wire order (commands rely on it when
// re-encoding onMetaData).
using Amf0Properties = std::vector<std::pair<std::string, Amf0Value>>;

// Equality is structural; numbers compare as doubles (so NaN != NaN).
struct Amf0Null {
  friend bool operator==(const Amf0Null&, const Amf0Null&) = default;
};
struct Amf0Undefined {
  friend bool operator==(const Amf0Undefined&, const Amf0Undefined&) = default;
};
struct Amf0Object {
  Amf0Properties properties;
  friend bool operator==(const Amf0Object& a, const Amf0Object& b);
};
struct Amf0EcmaArray {
  Amf0Properties properties;
  friend bool operator==(const Amf0EcmaArray& a, const Amf0EcmaArray& b);
};
struct Amf0StrictArray {
  std::vector<Amf0Value> elements;
  friend bool operator==(const Amf0StrictArray& a, const Amf0StrictArray& b);
};
struct Amf0Date {
  double millis = 0;
  int16_t timezone = 0;
  friend bool operator==(const Amf0Date&, const Amf0Date&) = default;
};

struct Amf0Value {
  std::variant<double, bool, std::string, Amf0Object, Amf0Null, Amf0Undefined, Amf0EcmaArray,
               Amf0StrictArray, Amf0Date>
      v;

  // Convenience accessors: nullptr when the value is of another type.
  const double* number() const { return std::get_if<double>(&v); }
  const std::string* string() const { return std::get_if<std::string>(&v); }
  // Property `name` of an object or ECMA array; nullptr if absent or not one of those.
  const Amf0Value* property(std::string_view name) const;

  friend bool operator==(const Amf0Value& a, const Amf0Value& b);
};

struct Amf0Limits {
  size_t max_depth = 16;       // Nested objects/arrays.
  size_t max_elements = 4096;  // Values in one message, all levels together.
  size_t max_string_bytes = 64 * 1024;
};

// Decodes every value in `bytes` (a command is a sequence of values). INVALID_ARGUMENT with
// reason AMF0_MALFORMED on truncation, unknown or unsupported markers (reference, AMF3 switch,
// typed object, XML, movieclip, recordset, a stray object end) or a limit exceeded.
absl::StatusOr<std::vector<Amf0Value>> DecodeAmf0(std::span<const uint8_t> bytes,
                                                  const Amf0Limits& limits = {});

// Appends the AMF0 encoding of `value` to `out` (strings over 65535 bytes as long strings;
// property names, which AMF0 cannot make longer, are cut to 65535 bytes).
void EncodeAmf0(const Amf0Value& value, std::vector<uint8_t>& out);

}  // namespace shopcast::video_ingest::rtmp
