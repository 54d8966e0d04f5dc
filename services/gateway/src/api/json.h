#pragma once

// JSON ⇄ proto for the API, with protobuf's own JSON utilities (the proto3 JSON mapping), after
// the checks the parser does not make: valid UTF-8 (escapes included: no lone surrogates) and a
// nesting limit, both in one pass over the bytes before the parser sees them.

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace shopcast::gateway::api {

// Objects and arrays nested deeper than this are refused (JSON_TOO_DEEP).
inline constexpr int kDefaultMaxJsonDepth = 32;

// OK, or INVALID_ARGUMENT with reason JSON_BAD_UTF8 (bytes that are not UTF-8, or a \u escape
// naming a lone surrogate) or JSON_TOO_DEEP. Not a full validation: the parser does the rest.
absl::Status CheckJsonText(absl::string_view body, int max_depth);

// Fills `message` from `body` (empty or whitespace only = the empty message). INVALID_ARGUMENT
// with reason JSON_BAD_UTF8, JSON_TOO_DEEP, JSON_MALFORMED (not JSON, or a value of the wrong
// type for its field, with the parser's explanation), UNKNOWN_FIELD (a name the message does
// not have; refused, not ignored, so a typo is not silently dropped) or JSON_NOT_OBJECT.
absl::Status JsonToMessage(absl::string_view body, int max_depth,
                           google::protobuf::Message* message);

// The proto3 JSON of `message`: lowerCamelCase names, int64 as strings, enums by name, and
// scalar, repeated and map fields printed even when they hold their default value (so clients
// read `"count": 0` and `"items": []` instead of testing for absence). Unset message fields and
// oneof members stay absent.
std::string MessageToJson(const google::protobuf::Message& message);

}  // namespace shopcast::gateway::api
